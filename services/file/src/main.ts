import { bootService } from '@support-center/service-kit/boot';

bootService({ name: 'file', packageDir: `${__dirname}/..`, load: () => import('./service.js') });
