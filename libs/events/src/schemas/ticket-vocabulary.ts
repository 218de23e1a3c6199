import { z } from 'zod';

/**
 * The ticket vocabulary, defined once: the ticket service's domain and every event that carries a
 * ticket's category, priority or status use these sets, so a new value cannot reach one and not
 * the other.
 */
export const CATEGORIES = ['hardware', 'software', 'network', 'access', 'other'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const STATUSES = ['open', 'in_progress', 'pending', 'solved', 'closed'] as const;

export type Category = (typeof CATEGORIES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type Status = (typeof STATUSES)[number];

export const categorySchema = z.enum(CATEGORIES);
export const prioritySchema = z.enum(PRIORITIES);
export const statusSchema = z.enum(STATUSES);
