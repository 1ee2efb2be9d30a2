import type { LabelMatcher } from '../domain/alerts/matchers';
import type { Silence } from '../domain/alerts/silences';
import type { SqlDatabase } from './sql';

interface SilenceRow {
  id: string;
  matchers: LabelMatcher[] | string;
  starts_at: Date | string;
  ends_at: Date | string;
  created_by: string;
  comment: string;
}

/** Silences as stored; validated on the way in by parseSilenceRequest (domain/alerts/silence-schemas). */
export class AlertSilences {
  constructor(private readonly db: SqlDatabase) {}

  async add(silence: Silence): Promise<Silence> {
    await this.db.query(
      'INSERT INTO alert_silences (id, matchers, starts_at, ends_at, created_by, comment) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        silence.id,
        JSON.stringify(silence.matchers),
        silence.startsAt,
        silence.endsAt,
        silence.createdBy,
        silence.comment,
      ],
    );
    return silence;
  }

  /** Ends a silence now (kept as a record); false when there is no such silence still running. */
  async expire(id: string, now: Date): Promise<boolean> {
    const rows = await this.db.query(
      "UPDATE alert_silences SET ends_at = GREATEST(starts_at + interval '1 millisecond', $2::timestamptz) WHERE id = $1 AND ends_at > $2 RETURNING id",
      [id, now.toISOString()],
    );
    return rows.length > 0;
  }

  async get(id: string): Promise<Silence | undefined> {
    const [row] = await this.db.query<SilenceRow>('SELECT * FROM alert_silences WHERE id = $1', [id]);
    return row && toSilence(row);
  }

  /** Silences not yet ended at `now` (active or pending), soonest end first. */
  async current(now: Date): Promise<Silence[]> {
    const rows = await this.db.query<SilenceRow>(
      'SELECT * FROM alert_silences WHERE ends_at > $1 ORDER BY ends_at, id',
      [now.toISOString()],
    );
    return rows.map(toSilence);
  }

  async list(limit = 200): Promise<Silence[]> {
    const rows = await this.db.query<SilenceRow>('SELECT * FROM alert_silences ORDER BY created_at DESC, id LIMIT $1', [
      limit,
    ]);
    return rows.map(toSilence);
  }
}

function toSilence(row: SilenceRow): Silence {
  return {
    id: row.id,
    matchers: typeof row.matchers === 'string' ? JSON.parse(row.matchers) : row.matchers,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    createdBy: row.created_by,
    comment: row.comment,
  };
}
