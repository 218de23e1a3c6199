import { describeServiceBasics } from '@support-center/testing';

describeServiceBasics('file', { dependencies: ['mongodb', 'kafka', 's3', 'revocations'] });
