#!/usr/bin/env node
// `npx berth …` from the repository (npm links this workspace bin into node_modules/.bin).
import '../../scripts/berth.mjs';
