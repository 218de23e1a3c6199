import { bootService } from '@support-center/service-kit/boot';

bootService({ name: 'auth', packageDir: `${__dirname}/..`, load: () => import('./service.js') });
