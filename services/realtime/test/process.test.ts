import { describeServiceBasics } from '@support-center/testing';

describeServiceBasics('realtime', { dependencies: ['mongodb', 'kafka', 'fanout', 'revocations'] });
