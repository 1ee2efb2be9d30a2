/**
 * Closed vocabularies read from folded (lower-case, accent-free) words: environments, alert
 * statuses, severities, workflow statuses. Each maps the words operators use, in English and
 * Spanish, to the one value the args schema accepts.
 */

function table<V extends string>(entries: Record<V, readonly string[]>): ReadonlyMap<string, V> {
  const map = new Map<string, V>();
  for (const [value, words] of Object.entries(entries) as [V, readonly string[]][]) {
    for (const word of words) map.set(word, value);
  }
  return map;
}

export const ENVIRONMENT_WORDS = table({
  production: ['production', 'prod', 'prd', 'live', 'produccion', 'productivo', 'produc'],
  staging: [
    'staging',
    'stage',
    'stg',
    'preprod',
    'pre-prod',
    'pre-production',
    'preproduccion',
    'pre-produccion',
    'pruebas',
  ],
});

export const ALERT_STATUS_WORDS = table({
  open: [
    'open',
    'opened',
    'active',
    'firing',
    'unacknowledged',
    'abierta',
    'abiertas',
    'activa',
    'activas',
    'pendientes',
  ],
  acknowledged: ['acknowledged', 'acked', 'reconocida', 'reconocidas'],
  resolved: ['resolved', 'closed', 'resuelta', 'resueltas', 'cerrada', 'cerradas'],
});

export const SEVERITY_WORDS = table({
  critical: ['critical', 'crit', 'criticas', 'critica', 'criticos', 'critico', 'sev1', 'p1'],
  error: ['error', 'errors', 'errores'],
  warning: ['warning', 'warnings', 'warn', 'advertencia', 'advertencias', 'aviso', 'avisos'],
  info: ['info', 'informational', 'informativa', 'informativas'],
});

export const WORKFLOW_STATUS_WORDS = table({
  running: ['running', 'active', 'ongoing', 'corriendo', 'ejecutandose', 'activos', 'activas', 'curso'],
  completed: ['completed', 'complete', 'finished', 'done', 'completados', 'completadas', 'terminados', 'finalizados'],
  failed: ['failed', 'failing', 'fallidos', 'fallidas', 'fallados', 'fallaron'],
  cancelled: ['cancelled', 'canceled', 'cancelados', 'canceladas'],
  terminated: ['terminated', 'killed'],
  timed_out: ['timed_out', 'timedout', 'timeout', 'expirados'],
});
