// The engine view's words, in English and Chinese (the changes themselves come from the server in both).
import type { Lang } from '@berth/shared';

const en = {
  title: 'Your engine',
  show: 'Engine',
  showTitle: 'Show what your Docker engine holds: images and their layers, containers, networks, volumes',
  hide: 'Hide the engine view',
  waiting: 'Reading your engine…',
  lost: 'The engine view lost its connection; it comes back with the session.',
  empty: 'Your engine holds no images yet. Pull or build one and it appears here.',
  images: 'Images',
  containers: 'Containers',
  networks: 'Networks',
  volumes: 'Volumes',
  baseLayer: 'base layer (no instruction recorded)',
  shared: (n: number) => `shared by ${n} images`,
  runsFrom: (image: string) => `from ${image}`,
  noContainers: 'none',
  notUsed: 'not used',
  usedBy: (names: string[]) => `used by ${names.join(', ')}`,
  more: 'Your engine holds more than the view draws: some items are left out.',
  lastChange: 'Last change',
  copyId: 'Copy id',
  copied: 'Copied',
  closeDetails: 'Close the details',
  details: (name: string) => `Details of ${name}`,
  kinds: { container: 'Container', image: 'Image', network: 'Network', volume: 'Volume' },
};

const zh: typeof en = {
  title: '你的引擎',
  show: '引擎',
  showTitle: '查看你的 Docker 引擎里有什么：镜像和它们的层、容器、网络、数据卷',
  hide: '隐藏引擎视图',
  waiting: '正在读取你的引擎……',
  lost: '引擎视图的连接断开了，会话恢复后它也会恢复。',
  empty: '你的引擎里还没有镜像。拉取或构建一个，它就会出现在这里。',
  images: '镜像',
  containers: '容器',
  networks: '网络',
  volumes: '数据卷',
  baseLayer: '基础层（没有记录指令）',
  shared: (n: number) => `${n} 个镜像共用`,
  runsFrom: (image: string) => `来自 ${image}`,
  noContainers: '没有',
  notUsed: '没有被使用',
  usedBy: (names: string[]) => `被 ${names.join('、')} 使用`,
  more: '你的引擎里的东西比视图能画出的多：有些没有画出来。',
  lastChange: '最近的变化',
  copyId: '复制 ID',
  copied: '已复制',
  closeDetails: '关闭详情',
  details: (name: string) => `${name} 的详情`,
  kinds: { container: '容器', image: '镜像', network: '网络', volume: '数据卷' },
};

export const engineViewText = (lang: Lang) => (lang === 'zh' ? zh : en);

/** Bytes as Docker prints them (decimal units): 77.8MB, 4.3kB. */
export function dockerSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u += 1;
  }
  return `${u === 0 ? n : n.toFixed(n < 10 ? 2 : 1)}${units[u]}`;
}
