import { waitFor } from '@support-center/testing';
import WebSocket from 'ws';
import {
  createSupportClient,
  openChatSocket,
  openNotificationSocket,
  type ChatSocket,
  type NotificationSocket,
  type WebSocketConstructor,
} from '@support-center/client';

// Node 20 has no global WebSocket; browsers and Node 22 need none of this.
const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/**
 * One ticket's whole life as a frontend drives it, through one base URL (the gateway) with the
 * typed client only: the employee creates it, the agent picks themself in the assignee picker and
 * takes it, both chat, the employee uploads a log the agent downloads, the agent solves it, and the
 * employee reads the notifications it brought. `tokens` are the demo accounts' access tokens.
 */
export async function ticketLife(baseUrl: string, tokens: Record<string, string>): Promise<void> {
  const employee = createSupportClient({ baseUrl, token: tokens.employee });
  const agent = createSupportClient({ baseUrl, token: tokens.agent });
  const sockets: { close(): Promise<unknown> }[] = [];
  const open = <S extends NotificationSocket | ChatSocket>(socket: S): S => {
    sockets.push(socket);
    return socket;
  };
  try {
    const employeeId = (await employee.auth.GET('/api/v1/auth/me')).data!.id;
    const options = (token: string) => ({ baseUrl, token, WebSocket: NodeWebSocket });

    // Both watch their notifications; the socket's first frame is the unread count.
    const employeeFeed = open(openNotificationSocket(options(tokens.employee!)));
    const agentFeed = open(openNotificationSocket(options(tokens.agent!)));
    await Promise.all([employeeFeed.opened, agentFeed.opened]);
    for (const feed of [employeeFeed, agentFeed])
      await waitFor(() => feed.received.some((frame) => frame.type === 'unread'), {
        message: 'the unread frame',
      });

    // create
    const created = await employee.tickets.POST('/api/v1/tickets', {
      body: {
        title: 'Printer on floor 3 jams',
        description: 'Every second page jams since this morning.',
        category: 'hardware',
        priority: 'medium',
      },
    });
    expect(created.response.status).toBe(201);
    const ticketId = created.data!.id;

    // assign: the agent finds themself in the assignee picker and takes the ticket
    const picker = await agent.auth.GET('/api/v1/users/assignees', { params: { query: { q: 'alan' } } });
    const agentId = picker.data!.items.find((user) => user.username === 'agent')!.id;
    const assignedNotice = employeeFeed.next('notification', (f) => f.event === 'ticket.assigned', 30_000);
    const assigned = await agent.tickets.POST('/api/v1/tickets/{id}/assign', {
      params: { path: { id: ticketId } },
      body: { assigneeId: agentId },
    });
    expect({ status: assigned.response.status, assigneeId: assigned.data?.assigneeId }).toEqual({
      status: 200,
      assigneeId: agentId,
    });
    expect((await assignedNotice).data).toMatchObject({ ticketId });

    // chat: both join the ticket's room (known to realtime once the ticket's event reached it)
    const employeeChat = open(openChatSocket(options(tokens.employee!)));
    const agentChat = open(openChatSocket(options(tokens.agent!)));
    await Promise.all([employeeChat.opened, agentChat.opened]);
    for (const chat of [employeeChat, agentChat]) {
      await waitFor(
        async () => {
          const answer = Promise.race([
            chat.next('history', (f) => f.ticketId === ticketId),
            chat.next('error', (f) => f.ticketId === ticketId),
          ]);
          chat.join(ticketId);
          return (await answer).type === 'history';
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'the chat room to be known' },
      );
    }
    const delivered = agentChat.next('message', (f) => f.ticketId === ticketId);
    employeeChat.post(ticketId, 'It is the tray with the letterhead paper.');
    expect(await delivered).toMatchObject({
      authorId: employeeId,
      body: 'It is the tray with the letterhead paper.',
    });
    const reply = employeeChat.next('message', (f) => f.ticketId === ticketId && f.authorId === agentId);
    agentChat.post(ticketId, 'On my way.');
    expect((await reply).body).toBe('On my way.');

    // upload: the employee attaches the printer's log; the agent, the assignee, is told and downloads it
    const log = 'E-204 paper jam tray 2\n'.repeat(100);
    const uploadedNotice = agentFeed.next('notification', (f) => f.event === 'file.uploaded', 30_000);
    const upload = await employee.uploadFile({
      ticketId,
      file: new Blob([log], { type: 'text/plain' }),
      fileName: 'printer.log',
    });
    expect(upload.response.status).toBe(201);
    const fileId = upload.data!.id;
    expect((await uploadedNotice).data).toMatchObject({ ticketId });
    const download = await agent.files.GET('/api/v1/files/{id}', {
      params: { path: { id: fileId } },
      parseAs: 'text',
    });
    expect({ status: download.response.status, body: download.data }).toEqual({ status: 200, body: log });

    // solve
    const solved = await agent.tickets.POST('/api/v1/tickets/{id}/status', {
      params: { path: { id: ticketId } },
      body: { status: 'solved' },
    });
    expect({ status: solved.response.status, ticket: solved.data?.status }).toEqual({
      status: 200,
      ticket: 'solved',
    });
    // Everything the employee is told of, each once the others acted: the assignment, the agent's
    // chat reply, the status change and the solution (not their own message or upload).
    const told = ['ticket.assigned', 'chat.message_posted', 'ticket.status_changed', 'ticket.solved'];
    const pushed = () =>
      employeeFeed.received.flatMap((f) =>
        f.type === 'notification' && (f.data as { ticketId?: string }).ticketId === ticketId ? [f.event] : [],
      );
    await waitFor(() => told.every((event) => pushed().includes(event)), {
      timeoutMs: 30_000,
      message: `the employee's notifications (${told.join(', ')})`,
    });

    // notifications read: the history holds what the socket pushed, newest first; read one, then all
    const history = await employee.realtime.GET('/api/v1/notifications', {
      params: { query: { unread: 'true' } },
    });
    const mine = history.data!.items.filter((n) => (n.data as { ticketId?: string }).ticketId === ticketId);
    expect(mine.map((n) => n.event).sort()).toEqual([...pushed()].sort());
    expect(mine.map((n) => n.at)).toEqual([...mine.map((n) => n.at)].sort().reverse());
    const unread = history.data!.unreadCount;
    expect(unread).toBeGreaterThanOrEqual(mine.length);
    const readOne = await employee.realtime.POST('/api/v1/notifications/{id}/read', {
      params: { path: { id: mine[0]!.id } },
    });
    expect(readOne.response.status).toBe(204);
    const readAll = await employee.realtime.POST('/api/v1/notifications/read-all');
    expect(readAll.data?.marked).toBe(unread - 1);
    const after = await employee.realtime.GET('/api/v1/notifications', {
      params: { query: { unread: 'true' } },
    });
    expect({ unreadCount: after.data?.unreadCount, items: after.data?.items }).toEqual({
      unreadCount: 0,
      items: [],
    });
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
  }
}
