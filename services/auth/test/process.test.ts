import { describeServiceBasics } from '@support-center/testing';

describeServiceBasics('auth', { dependencies: ['mongodb', 'kafka', 'database setup'] });
