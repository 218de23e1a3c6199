import { bootService } from '@support-center/service-kit/boot';

bootService({ name: 'realtime', packageDir: `${__dirname}/..`, load: () => import('./service.js') });
