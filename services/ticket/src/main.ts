import { bootService } from '@support-center/service-kit/boot';

bootService({ name: 'ticket', packageDir: `${__dirname}/..`, load: () => import('./service.js') });
