// A Katacoda or KillerCoda scenario folder -> its parts, every file read through ScenarioFiles. The shape
// is index.json's: title, description, details.{intro, steps[], finish, assets}, backend.imageid, environment.
// Katacoda named a step's scripts courseData (behind the learner) and code (in the terminal); KillerCoda
// named them background and foreground; both carry verify. Unknown fields are reported, never dropped silently.
import path from 'node:path';
import { parseJsonAt, ScenarioFiles, ScenarioRefusedError } from './scenario-files.js';

/** A scenario of more steps than this is refused (the biggest known ones have about 20). */
export const MAX_STEPS = 60;

export interface ScenarioScript {
  /** background: run behind the learner's back; foreground: run in the learner's terminal. */
  kind: 'background' | 'foreground';
  file: string;
  text: string;
}

export interface ScenarioPage {
  title: string;
  /** The page's Markdown, as written. */
  text: string;
  textFile?: string;
  scripts: ScenarioScript[];
  verify?: { file: string; text: string };
  /** Katacoda's answer page for the step. */
  answer?: string;
}

export interface Scenario {
  /** The folder's name. */
  name: string;
  title: string;
  description: string;
  difficulty?: string;
  time?: string;
  imageid?: string;
  intro?: ScenarioPage;
  steps: ScenarioPage[];
  finish?: ScenarioPage;
  /** What the scenario has that the lesson does not carry (unknown fields, assets, dashboards…). */
  notes: string[];
}

const TOP_FIELDS = ['title', 'description', 'difficulty', 'time', 'details', 'backend', 'environment', 'files', 'pathwayTitle', 'pathwayId', 'id', 'icon', 'type', 'private', 'interface'];
const DETAILS_FIELDS = ['intro', 'steps', 'finish', 'assets'];
const PAGE_FIELDS = ['title', 'text', 'verify', 'background', 'foreground', 'courseData', 'code', 'answer', 'credits'];
const BACKEND_FIELDS = ['imageid', 'dockerimage', 'port'];
/** Fields that shape Katacoda's own page (layout, dashboards): known, and not carried. */
const ENVIRONMENT_FIELDS = ['uilayout', 'uisettings', 'uimessage1', 'uieditorpath', 'hideintro', 'hidefinish', 'hidesidebar', 'showdashboard', 'dashboards', 'terminals', 'icon', 'exclusionPatterns', 'showide', 'idePort'];

type Json = Record<string, unknown>;

export function readScenario(folder: string): Scenario {
  const files = new ScenarioFiles(folder);
  const indexName = files.shown('index.json');
  if (!files.exists('index.json', 'the scenario')) throw new ScenarioRefusedError(`${indexName}: missing (a Katacoda or KillerCoda scenario is a folder with an index.json)`);
  const index = parseJsonAt(indexName, files.read('index.json', 'the scenario'));
  if (!isObject(index)) throw new ScenarioRefusedError(`${indexName}: must be a JSON object with title and details`);
  const notes: string[] = [];
  unknownFields(index, TOP_FIELDS, 'index.json', notes);
  const str = (v: unknown, where: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ScenarioRefusedError(`${indexName}: ${where} must be a string`);
    return v;
  };
  const title = str(index.title, 'title')?.trim();
  if (!title) throw new ScenarioRefusedError(`${indexName}: the scenario has no title`);
  const details = index.details ?? {};
  if (!isObject(details)) throw new ScenarioRefusedError(`${indexName}: details must be an object with steps`);
  unknownFields(details, DETAILS_FIELDS, 'details', notes);
  const stepsJson = details.steps;
  if (!Array.isArray(stepsJson) || !stepsJson.length) throw new ScenarioRefusedError(`${indexName}: details.steps must be a non-empty list`);
  if (stepsJson.length > MAX_STEPS) throw new ScenarioRefusedError(`${indexName}: ${stepsJson.length} steps, more than the ${MAX_STEPS} an import takes`);

  const page = (json: unknown, where: string, fallbackTitle: string): ScenarioPage => {
    if (!isObject(json)) throw new ScenarioRefusedError(`${indexName}: ${where} must be an object`);
    unknownFields(json, PAGE_FIELDS, where, notes);
    const textFile = str(json.text, `${where}.text`);
    const scripts: ScenarioScript[] = [];
    for (const [field, kind] of [['courseData', 'background'], ['background', 'background'], ['code', 'foreground'], ['foreground', 'foreground']] as const) {
      const file = str(json[field], `${where}.${field}`);
      if (file) scripts.push({ kind, file, text: files.read(file, `${where}.${field}`) });
    }
    const verifyFile = str(json.verify, `${where}.verify`);
    const answerFile = str(json.answer, `${where}.answer`);
    return {
      title: str(json.title, `${where}.title`)?.trim() || fallbackTitle,
      text: textFile ? files.read(textFile, `${where}.text`) : '',
      ...(textFile ? { textFile } : {}),
      scripts,
      ...(verifyFile ? { verify: { file: verifyFile, text: files.read(verifyFile, `${where}.verify`) } } : {}),
      ...(answerFile ? { answer: files.read(answerFile, `${where}.answer`) } : {}),
    };
  };

  const backend = index.backend ?? {};
  if (!isObject(backend)) throw new ScenarioRefusedError(`${indexName}: backend must be an object`);
  unknownFields(backend, BACKEND_FIELDS, 'backend', notes);
  const environment = index.environment ?? {};
  if (!isObject(environment)) throw new ScenarioRefusedError(`${indexName}: environment must be an object`);
  unknownFields(environment, ENVIRONMENT_FIELDS, 'environment', notes);
  if (Array.isArray(environment.dashboards) && environment.dashboards.length) {
    notes.push('environment.dashboards (web tabs onto ports) are not carried: in Berth the learner opens a published port from the terminal page');
  }
  if (typeof environment.uilayout === 'string' && /editor|ide|iframe/.test(environment.uilayout)) {
    notes.push(`environment.uilayout "${environment.uilayout}": Berth has a terminal and no editor pane; files are written from the terminal`);
  }
  if (index.files !== undefined) notes.push('files (opened in Katacoda\'s editor) are not carried: Berth has no editor pane');
  if (details.assets !== undefined) notes.push('details.assets (files copied into the VM) are not carried: write them from a setup script');
  if (isObject(index.interface)) notes.push('interface (KillerCoda\'s layout) is not carried');

  const intro = details.intro === undefined ? undefined : page(details.intro, 'details.intro', 'Introduction');
  if (intro?.verify) notes.push('details.intro.verify is not carried: only steps have goals');
  const finish = details.finish === undefined ? undefined : page(details.finish, 'details.finish', 'Finish');
  if (finish && (finish.scripts.length || finish.verify)) notes.push('details.finish scripts are not carried: the finish page runs nothing');
  return {
    name: path.basename(files.root),
    title,
    description: str(index.description, 'description')?.trim() ?? '',
    ...(str(index.difficulty, 'difficulty') ? { difficulty: index.difficulty as string } : {}),
    ...(str(index.time, 'time') ? { time: index.time as string } : {}),
    ...(str(backend.imageid ?? backend.dockerimage, 'backend.imageid') ? { imageid: (backend.imageid ?? backend.dockerimage) as string } : {}),
    ...(intro ? { intro } : {}),
    steps: stepsJson.map((s, i) => page(s, `details.steps[${i}]`, `Step ${i + 1}`)),
    ...(finish ? { finish } : {}),
    notes,
  };
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownFields(obj: Json, known: string[], where: string, notes: string[]): void {
  for (const key of Object.keys(obj)) if (!known.includes(key)) notes.push(`${where}: unknown field "${key}" (not carried)`);
}
