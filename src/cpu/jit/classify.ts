// Which instructions a translated block may run past. A block keeps the interpreter's exact
// behaviour only if nothing inside it could make the interpreter act differently at an
// instruction boundary: external interrupts (IF, the PIC's pending state through port I/O or
// FERR#), the interrupt shadow (MOV/POP SS, STI), single-step (POPF/IRET set TF), the code
// segment or the decode mode (far transfers, CR0, mode switches), the run budget (HLT, stop()).
// Instructions that may do any of that end the block; so do all branches (EIP is not next).
// Plain instructions (ALU, moves, stack, string ops without I/O...) let the block continue.
import { Op } from '../decoder.js';
import type { Insn } from './decode.js';

const PLAIN = new Uint8Array(512);
(() => {
  const on = (...ops: number[]) => { for (const o of ops) PLAIN[o] = 1; };
  const range = (a: number, b: number) => { for (let o = a; o <= b; o++) PLAIN[o] = 1; };
  for (let base = 0; base < 0x40; base += 8) range(base, base + 5); // ALU
  on(0x06, 0x0e, 0x16, 0x1e, 0x07, 0x1f); // PUSH ES/CS/SS/DS, POP ES/DS (not POP SS: shadow)
  on(0x27, 0x2f, 0x37, 0x3f); // DAA DAS AAA AAS
  range(0x40, 0x6b); // INC DEC PUSH POP PUSHA POPA BOUND ARPL PUSH imm IMUL
  range(0x80, 0x8e); // group 1, TEST, XCHG, MOV, MOV from/to Sreg (isPlainOp: not SS), LEA
  on(0x8f); // POP r/m
  range(0x90, 0x99); // NOP XCHG CBW CWD
  on(0x9c, 0x9e, 0x9f); // PUSHF SAHF LAHF (not POPF: IF/TF)
  range(0xa0, 0xaf); // MOV moffs, string ops (no I/O)
  range(0xb0, 0xc1); // MOV imm, shifts
  on(0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9); // LES LDS MOV ENTER LEAVE
  range(0xd0, 0xd7); // shifts AAM AAD SALC XLAT
  on(0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfc, 0xfd, 0xfe); // CMC, group 3, CLC STC CLD STD, group 4
  range(0x118, 0x11f); // hint NOPs
  range(0x140, 0x14f); // CMOVcc
  range(0x190, 0x19f); // SETcc
  on(0x1a0, 0x1a1, 0x1a3, 0x1a4, 0x1a5, 0x1a8, 0x1a9, 0x1ab, 0x1ac, 0x1ad, 0x1af); // PUSH/POP FS GS, BT, SHLD/SHRD, IMUL
  on(0x1b0, 0x1b1, 0x1b3, 0x1b4, 0x1b5, 0x1b6, 0x1b7, 0x1ba, 0x1bb, 0x1bc, 0x1bd, 0x1be, 0x1bf); // CMPXCHG BTR LFS LGS MOVZX BT* BSF BSR MOVSX
  on(0x1c0, 0x1c1, 0x1c7); // XADD CMPXCHG8B
  on(0x100); // group 6: SLDT STR VERR VERW (isPlainOp)
  on(0x131); // RDTSC: reads the board clock (instruction-derived when deterministic; the count is stored first)
  range(0x1c8, 0x1cf); // BSWAP
})();

/** True when the block may go on after this instruction (run through its handler). */
export function isPlain(d: Insn): boolean {
  return isPlainOp(d.op, d.info, d.reg);
}

/** isPlain for opcode `op` (0x1xx: 0F xx), its OPCODE_INFO and its ModRM reg field. */
export function isPlainOp(op: number, info: number, reg: number): boolean {
  if ((info & Op.INVALID) !== 0) return false;
  if (PLAIN[op] === 0) return false;
  if (op === 0xff) return reg <= 1 || reg === 6; // INC DEC PUSH; CALL/JMP end the block
  // MOV to SS starts an interrupt shadow (and MOV to CS is #UD); ES, DS, FS, GS are data segments.
  if (op === 0x8e) return reg !== 1 && reg !== 2;
  // SLDT, STR and VERR/VERW (Linux's VERW on every return to user mode) read; LLDT and LTR load.
  if (op === 0x100) return reg <= 1 || reg === 4 || reg === 5;
  return true;
}

/**
 * Instructions without a WebAssembly form after which the dispatcher may go on once the
 * interpreter has run them (wasm-tier.ts interpretCall), provided no interrupt is pending after
 * them and A20 and the memory map are as they were: IN and OUT (E4-E7 with a port number, EC-EF
 * with DX), INVLPG (0F 01 /7), and the x87 and its state (D8-DF, FWAIT, 0F AE: FXSAVE and
 * FXRSTOR in every context switch, x87 arithmetic in user code). Port I/O changes nothing else
 * the run loop checks at a boundary: not IF, TF or the shadow, not CS; a device that ends the
 * run makes interpretOne report it, and devices that schedule timers do not shorten the run
 * loop's slice either. An x87 error with CR0.NE=0 raises IRQ13 through FERR# (the pending test
 * sees it); #MF and #NM are faults, after which the dispatcher stops. INVLPG drops one TLB
 * entry, which the dispatcher's lookups and every later function read afresh. IRET (CF) too,
 * when it returns into the same code segment with the same SS, not as a task return, with TF
 * clear and no slow checks (interpretCall tests that; EFLAGS' IF is what the pending test
 * reads). Translated code stops before these (a NEXT exit to their EIP), so that a block
 * starting there can be chained to (jit.ts gives it an interpreted slot).
 */
export function continuesAfterInterpreting(op: number, reg: number): boolean {
  return (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || (op === 0x101 && reg === 7) ||
    (op >= 0xd8 && op <= 0xdf) || op === 0x9b || op === 0x1ae || op === 0xcf;
}

/**
 * An instruction without a WebAssembly form that the dispatcher has the interpreter run and may
 * go on after (wasm-tier.ts interpretCall): a plain one (PUSH CS, shifts by CL, REP string forms
 * without one... kernel init: 38 K returns to the run loop for PUSH CS and SHL/SHR by CL), or one
 * of continuesAfterInterpreting. Translated code stops before it with a NEXT exit to its EIP,
 * and a block that starts with it gets an interpreted slot (jit.ts compile).
 */
export function interpretedInDispatcher(op: number, info: number, reg: number): boolean {
  return isPlainOp(op, info, reg) || continuesAfterInterpreting(op, reg);
}
