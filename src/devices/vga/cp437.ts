// Code page 437 (the VGA ROM font's character set) to Unicode, so text read from the screen
// shows box drawing, accents and symbols as the guest meant them. Control codes 0x00-0x1F are
// shown as the glyphs the VGA font draws for them; 0x00 and 0xFF (blank glyphs) become spaces.

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»' +
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';
const CP437_LOW = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';

/** The 256 characters, indexed by code (built once per call site; strings are immutable). */
export const CP437: readonly string[] = Object.freeze([
  ...CP437_LOW,
  ...Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)),
  '⌂',
  ...CP437_HIGH,
]);

export function cp437ToUnicode(code: number): string {
  return CP437[code & 0xff]!;
}
