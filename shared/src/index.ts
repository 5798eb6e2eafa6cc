export * from './terminal-protocol.js';
export * from './api.js';
export * from './lessons.js';
export * from './engine-picture.js';
export * from './layer-tree.js';
export * from './files.js';
export * from './staff.js';
export * from './interviews.js';
