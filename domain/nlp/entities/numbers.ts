/**
 * Number words and ordinals in English and Spanish ("two", "third", "doce mil", "tercer"), for
 * milestones and money. A small table: the libraries on offer (words-to-numbers) know English
 * cardinals only, and the engine needs Spanish and ordinals too. Keys are accent-free lower case
 * (the engine folds accents before it looks anything up).
 */

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  cero: 0,
  un: 1,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
  once: 11,
  doce: 12,
  trece: 13,
  catorce: 14,
  quince: 15,
  dieciseis: 16,
  diecisiete: 17,
  dieciocho: 18,
  diecinueve: 19,
  veinte: 20,
  veintiuno: 21,
  veintidos: 22,
  veintitres: 23,
  veinticuatro: 24,
  veinticinco: 25,
  treinta: 30,
  cuarenta: 40,
  cincuenta: 50,
  sesenta: 60,
  setenta: 70,
  ochenta: 80,
  noventa: 90,
};

const HUNDREDS: Record<string, number> = {
  cien: 100,
  ciento: 100,
  doscientos: 200,
  trescientos: 300,
  cuatrocientos: 400,
  quinientos: 500,
  seiscientos: 600,
  setecientos: 700,
  ochocientos: 800,
  novecientos: 900,
};

const SCALES: Record<string, number> = {
  hundred: 100,
  thousand: 1_000,
  grand: 1_000,
  mil: 1_000,
  million: 1_000_000,
  millions: 1_000_000,
  millon: 1_000_000,
  millones: 1_000_000,
  billion: 1_000_000_000,
};

/** Words that join parts of one number ("one hundred and five", "treinta y dos"). */
const JOINERS = new Set(['and', 'y']);

const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  '1st': 1,
  '2nd': 2,
  '3rd': 3,
  primer: 1,
  primero: 1,
  primera: 1,
  segundo: 2,
  segunda: 2,
  tercer: 3,
  tercero: 3,
  tercera: 3,
  cuarto: 4,
  cuarta: 4,
  quinto: 5,
  quinta: 5,
  sexto: 6,
  sexta: 6,
  septimo: 7,
  septima: 7,
  octavo: 8,
  octava: 8,
  noveno: 9,
  novena: 9,
  decimo: 10,
  decima: 10,
};

/** "third", "3rd", "4th", "tercer", "3º" -> 3; anything else undefined. */
export function ordinalValue(word: string): number | undefined {
  if (word in ORDINALS) return ORDINALS[word];
  const numbered = /^(\d+)(?:st|nd|rd|th|º|ª|o|a)$/.exec(word);
  return numbered ? Number(numbered[1]) : undefined;
}

export function isNumberWord(word: string): boolean {
  return word in UNITS || word in HUNDREDS || word in SCALES;
}

/**
 * The value of number words starting at tokens[start] ("twelve thousand five hundred",
 * "dos mil quinientos"), and how many tokens they took; undefined when tokens[start] is not one.
 * A lone scale word ("mil", "thousand") is not a number on its own.
 */
export function readNumberWords(
  tokens: readonly string[],
  start: number,
): { value: number; length: number } | undefined {
  let total = 0;
  let current = 0;
  let used = 0;
  let seen = false;
  for (let i = start; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (word in UNITS) current += UNITS[word]!;
    else if (word in HUNDREDS) current += HUNDREDS[word]!;
    else if (word === 'hundred' && seen) current = (current || 1) * 100;
    else if (word in SCALES && word !== 'hundred' && (seen || word === 'mil')) {
      const scale = SCALES[word]!;
      total += (current || 1) * scale;
      current = 0;
    } else if (JOINERS.has(word) && seen && i + 1 < tokens.length && isNumberWord(tokens[i + 1]!)) {
      continue;
    } else break;
    seen = true;
    used = i - start + 1;
  }
  if (!seen || (used === 1 && tokens[start] === 'mil')) return undefined;
  return { value: total + current, length: used };
}

/**
 * A written numeral in either convention: "12,500", "3,000.50", "12.500" (Spanish thousands),
 * "2,5" (Spanish decimal comma), "2.5". The separator that comes last is the decimal one when
 * both appear; a lone separator followed by exactly three digits groups thousands.
 */
export function parseNumeral(text: string): number | undefined {
  const s = text.trim();
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return undefined;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  let normal: string;
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? ',' : '.';
    const group = decimal === ',' ? '.' : ',';
    normal = s.split(group).join('').replace(decimal, '.');
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? ',' : '.';
    const grouped = new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`).test(s);
    if (grouped) normal = s.split(sep).join('');
    else if (s.split(sep).length === 2) normal = s.replace(sep, '.');
    else return undefined;
  } else normal = s;
  const value = Number(normal);
  return Number.isFinite(value) ? value : undefined;
}
