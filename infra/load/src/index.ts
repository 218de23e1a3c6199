export { parseOptions, type LoadOptions } from './options';
export { runLoad } from './run-load';
