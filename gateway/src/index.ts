/** The gateway: the terminal engine (PTYs, output stream, mirror, input gate) and the workspace peer around it. */
export * from './terminal/index.ts';
export * from './peer/index.ts';
export * from './host/index.ts';
