import { describeServiceBasics } from '@support-center/testing';

describeServiceBasics('ticket', { dependencies: ['mongodb', 'kafka', 'revocations'] });
