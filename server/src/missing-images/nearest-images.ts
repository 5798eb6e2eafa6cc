// What Berth suggests instead of an image its offline mirror lacks: data only (the rules that read it are in
// nearest-image.ts). Images Debian cannot honestly be are never faked under their names (DESIGN.md section 3):
// a learner who asks for one is told what is here instead. A suggestion is offered only when the mirror has
// it (asked at run time); the first one present wins.
import type { Lang } from '@berth/shared';

export interface StandIn {
  /** Images to offer, best first (`name` or `name:tag`, Docker Hub's official images). */
  instead: string[];
  /** What the learner should know about the stand-in, in a few words. */
  note: Record<Lang, string>;
}

/** By Docker Hub repository (`library/…` for official images). */
export const STAND_INS: Record<string, StandIn> = {
  'library/alpine': {
    instead: ['debian', 'busybox'],
    note: { en: 'a small Linux too; apt-get instead of apk', zh: '同样是小型 Linux；用 apt-get 代替 apk' },
  },
  'library/ubuntu': {
    instead: ['debian'],
    note: { en: 'Ubuntu is built from Debian; apt-get works the same', zh: 'Ubuntu 源自 Debian，apt-get 用法相同' },
  },
  'library/mysql': {
    instead: ['mariadb:10.11', 'mariadb'],
    note: { en: 'a drop-in for MySQL: same client, port 3306 and MYSQL_* settings', zh: 'MySQL 的直接替代：同样的客户端、3306 端口和 MYSQL_* 设置' },
  },
  'library/centos': {
    instead: ['debian'],
    note: { en: 'apt-get instead of yum', zh: '用 apt-get 代替 yum' },
  },
  'library/fedora': {
    instead: ['debian'],
    note: { en: 'apt-get instead of dnf', zh: '用 apt-get 代替 dnf' },
  },
  'nicolaka/netshoot': {
    instead: ['berth/nettools'],
    note: { en: 'the same network tools: dig, curl, tcpdump, iperf3, nc, ip, ss…', zh: '同样的网络工具：dig、curl、tcpdump、iperf3、nc、ip、ss…' },
  },
  'library/bash': {
    instead: ['debian'],
    note: { en: 'bash is its shell', zh: '它的 shell 就是 bash' },
  },
};

/**
 * Tags of a build Debian cannot be (`nginx:alpine`, `node:18-alpine`, `python:3.12-alpine3.19`): the same
 * image's Debian-based tag is offered (`node:18`), then shorter versions (`python:3.12` → `python:3`), then `latest`.
 */
export const NOT_DEBIAN_TAG_SUFFIX = /(^|-)alpine[0-9.]*$/;

/** The note for such a tag. */
export const DEBIAN_TAG_NOTE: Record<Lang, string> = {
  en: 'its Debian-based tag; apt-get instead of apk',
  zh: '它基于 Debian 的标签；用 apt-get 代替 apk',
};

/** The note when the mirror has the image in another version only (`postgres:16` → `postgres:15`). */
export const NEAREST_VERSION_NOTE: Record<Lang, string> = {
  en: 'the nearest version here',
  zh: '这里最接近的版本',
};
/** …and when it has no `latest` (`node:latest` is newer than what Debian ships): `postgres` → `postgres:15`. */
export const NEWEST_VERSION_NOTE: Record<Lang, string> = {
  en: 'the newest version here',
  zh: '这里最新的版本',
};
export const NEAREST_VERSION_NOT_DEBIAN_NOTE: Record<Lang, string> = {
  en: 'the nearest version here, Debian-based; apt-get instead of apk',
  zh: '这里最接近的版本，基于 Debian；用 apt-get 代替 apk',
};
