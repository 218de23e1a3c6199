/** A TCP port on 127.0.0.1 that was free a moment ago (chosen by the OS); the engines' own helper. */
export { freePort as getFreePort, freePort } from '@support-center/engines';
