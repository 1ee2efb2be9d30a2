/**
 * The words that name an area (domain) or an action, in English and Spanish, folded to lower
 * case without accents. Inflections are listed rather than stemmed: a stemmer maps "resolved"
 * (an alert status) and "resolve" (an action) to one stem, and the engine must tell them apart.
 * Typos are matched against these words by edit distance (fuzzy.ts).
 */

export const DOMAINS = ['funding', 'alerts', 'deploy', 'compliance', 'sync', 'pipeline', 'workflows'] as const;
export type Domain = (typeof DOMAINS)[number];

export const ACTIONS = [
  'status',
  'approve',
  'reject',
  'list',
  'ack',
  'resolve',
  'start',
  'rollback',
  'revert',
  'check',
  'log',
  'run',
  'forbidden',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Sense {
  domain?: Domain;
  action?: Action;
  /** An action the word implies only when nothing else says what to do ("deploy checkout 1.4.2"). */
  weakAction?: Action;
  /** The action the word names when the text is about another area ("release milestone 3" approves it). */
  actionIn?: Partial<Record<Domain, Action>>;
}

const DOMAIN_WORDS: Record<Domain, readonly string[]> = {
  funding: [
    'milestone',
    'milestones',
    'hito',
    'hitos',
    'funding',
    'fund',
    'funds',
    'draw',
    'drawdown',
    'disbursement',
    'payout',
    'tranche',
    'financiamiento',
    'financiacion',
    'fondos',
    'desembolso',
    'tramo',
  ],
  alerts: [
    'alert',
    'alerts',
    'alerta',
    'alertas',
    'incident',
    'incidents',
    'incidente',
    'incidentes',

    'alarm',
    'alarms',
    'alarma',
    'alarmas',
  ],
  deploy: [
    'version',
    'versions',
    'deployment',
    'deployments',
    'despliegue',
    'despliegues',
    'rollout',
    'rollouts',
    'release',
    'releases',
  ],
  compliance: ['compliance', 'compliant', 'cumplimiento', 'normativa', 'conformidad', 'regulatory', 'regulations'],
  sync: ['document', 'documents', 'doc', 'docs', 'documento', 'documentos', 'sync', 'synced'],
  pipeline: ['pipeline', 'pipelines', 'ci', 'builds', 'compilacion', 'repo', 'repository', 'repositorio'],
  workflows: ['workflow', 'workflows', 'flujo', 'flujos', 'flows', 'procesos', 'executions', 'ejecuciones'],
};

const ACTION_WORDS: Record<Exclude<Action, 'forbidden'>, readonly string[]> = {
  status: [
    'status',
    'state',
    'estado',
    'situacion',
    'progress',
    'progreso',
    'how',
    'como',
    'where',
    'donde',
    'going',
    'doing',
    'estatus',
    'info',
    'details',
    'detalles',
  ],
  approve: [
    'approve',
    'approves',
    'approval',
    'approving',
    'aprueba',
    'aprobar',
    'apruebe',
    'apruebalo',
    'apruebala',
    'autoriza',
    'autorizar',
    'authorize',
    'authorise',
    'signoff',
    'greenlight',
    'accept',
    'acepta',
    'aceptar',
    'lgtm',
  ],
  reject: [
    'reject',
    'rejects',
    'rechaza',
    'rechazar',
    'rechace',
    'rechazalo',
    'rechazala',
    'deny',
    'deniega',
    'denegar',
    'decline',
    'declina',
    'refuse',
    'refuses',
  ],
  list: [
    'list',
    'lista',
    'listar',
    'listame',
    'show',
    'muestra',
    'muestrame',
    'mostrar',
    'ensename',
    'ver',
    'view',
    'display',
    'what',
    'whats',
    'which',
    'cuales',
    'get',
    'dame',
    'see',
    'enumerate',
    'any',
  ],
  ack: [
    'ack',
    'acks',
    'acknowledge',
    'acknowledges',
    'reconoce',
    'reconocer',
    'reconozco',
    'claim',
    'take',
    'tomo',
    'mine',
    'atiendo',
    'encargo',
    'onit',
  ],
  resolve: [
    'resolve',
    'resuelve',
    'resolver',
    'close',
    'cierra',
    'cerrar',
    'fixed',
    'solved',
    'resuelvela',
    'cierrala',
  ],
  start: ['ship', 'push', 'lanza', 'lanzar', 'promote', 'promueve', 'sube', 'subir'],
  rollback: ['rollback', 'rollbacks', 'downgrade', 'rollear', 'regresa', 'regresar', 'vuelve', 'volver', 'back'],
  revert: [
    'revert',
    'reverts',
    'reset',
    'resetea',
    'revierte',
    'revertir',
    'undo',
    'deshaz',
    'deshacer',
    'restore',
    'restaura',
    'restaurar',
    'rewind',
  ],
  check: [
    'check',
    'checks',
    'verify',
    'verifica',
    'verificar',
    'comprueba',
    'comprobar',
    'revisa',
    'revisar',
    'review',
    'audit',
    'audita',
    'auditar',
    'evaluate',
    'evalua',
    'evaluar',
    'validate',
    'valida',
    'validar',
    'scan',
    'analiza',
  ],
  log: [
    'log',
    'logs',
    'history',
    'historial',
    'historia',
    'registro',
    'commits',
    'changes',
    'changed',
    'edits',
    'edited',
    'modified',
    'cambios',
    'cambio',
    'changelog',
  ],
  run: [
    'run',
    'rerun',
    'trigger',
    'triggers',
    'ejecuta',
    'ejecutar',
    'corre',
    'correr',
    'kick',
    'kickoff',
    'start',
    'inicia',
    'iniciar',
    'arranca',
    'arrancar',
    'launch',
    'dispara',
    'disparar',
  ],
};

/**
 * Requests outside what arxflow may do from a sentence (destructive, or operations it has no
 * command for, like a restart): never guessed into a command, and never read as a typo of one.
 */
const FORBIDDEN_WORDS = [
  'restart',
  'reboot',
  'reinicia',
  'reiniciar',
  'scale',
  'escala',
  'delete',
  'drop',
  'remove',
  'wipe',
  'destroy',
  'erase',
  'purge',
  'truncate',
  'kill',
  'shutdown',
  'format',
  'borra',
  'borrar',
  'elimina',
  'eliminar',
  'destruye',
  'destruir',
  'apaga',
  'apagar',
];

/** Words that carry both an area and an action. */
const COMPOUND: Record<string, Sense> = {
  deploy: { domain: 'deploy', weakAction: 'start' },
  deploys: { domain: 'deploy', weakAction: 'start' },
  deployed: { domain: 'deploy', weakAction: 'status' },
  deploying: { domain: 'deploy', weakAction: 'start' },
  despliega: { domain: 'deploy', weakAction: 'start' },
  desplegar: { domain: 'deploy', weakAction: 'start' },
  despliegalo: { domain: 'deploy', weakAction: 'start' },
  despliegue: { domain: 'deploy', weakAction: 'start' },
  desplegado: { domain: 'deploy', weakAction: 'status' },
  release: { domain: 'deploy', weakAction: 'start', actionIn: { funding: 'approve' } },
  rollout: { domain: 'deploy', weakAction: 'start' },
  rollback: { domain: 'deploy', action: 'rollback' },
  roll: { domain: 'deploy', action: 'rollback' },
  rollbacks: { domain: 'deploy', action: 'rollback' },
  downgrade: { domain: 'deploy', action: 'rollback' },
  build: { domain: 'pipeline', weakAction: 'run' },
  compila: { domain: 'pipeline', weakAction: 'run' },
  construye: { domain: 'pipeline', weakAction: 'run' },
  construir: { domain: 'pipeline', weakAction: 'run' },
  compilar: { domain: 'pipeline', weakAction: 'run' },
  pay: { domain: 'funding', action: 'approve' },
  paga: { domain: 'funding', action: 'approve' },
  pagar: { domain: 'funding', action: 'approve' },
  fund: { domain: 'funding', action: 'approve' },
  history: { domain: 'sync', action: 'log' },
  historial: { domain: 'sync', action: 'log' },
};

/** Multi-word expressions folded to one word before the words are looked up. */
export const PHRASES: readonly [RegExp, string][] = [
  // Taking an alert on: an ack (of nothing named on its own, so unknown: see the engine).
  [
    /\bi'?m on it\b|\bon it\b|\bi'?m looking at it\b|\bestoy en ello\b|\blo tomo\b|\bme encargo\b|\blo veo yo\b/g,
    ' ack ',
  ],
  // A negated action is no request for it ("no apruebes, rechaza...").
  [/\b(?:don'?t|do not|no) (?:approve|apruebes|aprueben|deploy|despliegues|reject|rechaces)\b/g, ' '],
  [/\bturn(?:ing)? down\b/g, ' reject '],
  [/\ben ejecucion\b/g, ' running '],
  [/\b(?:as|como) (?:resolved|resuelt[ao]s?|closed|cerrad[ao]s?|fixed)\b/g, ' resolve '],
  [/\b(?:as|como) (?:acknowledged|acked|reconocid[ao]s?)\b/g, ' ack '],
  [/\broll(?:ing)? ?back\b|\bvuelve atras\b|\bvolver atras\b/g, ' rollback '],
  [/\broll(?:ing)? ?out\b/g, ' rollout '],
  [/\bkick(?:ing)? ?off\b/g, ' run '],
  [/\bsign(?:ing)? ?off(?: on)?\b|\bgreen ?light\b|\bdale el ok\b|\bda el visto bueno\b/g, ' approve '],
  [/\btimed ?out\b/g, ' timed_out '],
  [/\ben curso\b/g, ' running '],
  [/\bwhat'?s up with\b|\bhow'?s\b/g, ' how '],
];

const LEXICON = new Map<string, Sense>();
for (const [domain, words] of Object.entries(DOMAIN_WORDS) as [Domain, readonly string[]][]) {
  for (const word of words) LEXICON.set(word, { domain });
}
for (const [action, words] of Object.entries(ACTION_WORDS) as [Action, readonly string[]][]) {
  for (const word of words) LEXICON.set(word, { ...LEXICON.get(word), action });
}
for (const word of FORBIDDEN_WORDS) LEXICON.set(word, { action: 'forbidden' });
for (const [word, sense] of Object.entries(COMPOUND)) LEXICON.set(word, sense);

export function senseOf(word: string): Sense | undefined {
  return LEXICON.get(word);
}

export const LEXICON_WORDS: readonly string[] = [...LEXICON.keys()];

/** Words that say nothing about what to do or to what (filler, articles, courtesy), English and Spanish. */
export const STOPWORDS = new Set(
  `a an the of for to on in at by with from into onto about and or but is are was were be been being am it its
  it's this that these those my me i im i'm we our us you your please pls plz plis can could would will should
  shall may might do does did done hey hi hello yo ok thanks thank thx ty cheers quickly quick asap now right
  just go ahead let lets let's want wanna need needs like kindly real there here who whos all every
  everything anything something some up out currently current latest last new so then also too again give tell
  find look looking over env environment service services svc project projects number no
  id ids num nr el la los las de del en al para por favor con y o un una unos unas mi mis tu tus me te se lo le
  les es esta este estos estas ese esa eso son hay puedes podrias puede quiero quisiera necesito oye hola
  gracias porfa porfavor que ya ahora todo todos todas sus su entorno ambiente servicio proyecto numero
  guys team folks someone somebody asap urgently urgent immediately right away sure hmm um uh well actually
  ugh argh damn oops meh lol ultimo ultima last penultimo ill ive youre theyre dont wont cant isnt didnt previous anterior prior good tiene tienen va van fue against recently recientemente made were mark marca marcar set pon haz hace hacer dale mira echa realiza alright ahi alli aqui fast ahorita rapido rapidamente mas more`.split(
    /\s+/,
  ),
);
