// Runs x87 instruction sequences on the host: line = "cwhex memhex(32 hex) op modrm op modrm ..."
// mem operands use [rdi]; prints memory after and the FNSAVE image (108 bytes) as hex.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>
int main(){
  unsigned char *code = mmap(0, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char line[8192];
  while (fgets(line, sizeof line, stdin)) {
    char *tok = strtok(line, " \n"); if(!tok) continue;
    unsigned cw = strtoul(tok, 0, 16);
    unsigned char mem[128] = {0}; unsigned char save[128]; memset(save, 0, sizeof save);
    tok = strtok(0, " \n"); for (int i = 0; i < 112; i++) { char t[3] = {tok[2*i], tok[2*i+1], 0}; mem[i] = strtoul(t, 0, 16); }
    int n = 0;
    code[n++] = 0xDB; code[n++] = 0xE3; for (int z = 0; z < 8; z++) { code[n++] = 0xD9; code[n++] = 0xEE; }
    code[n++] = 0xDB; code[n++] = 0xE3;           // fninit
    code[n++] = 0xD9; code[n++] = 0x2E;           // fldcw [rsi]
    code[n++] = 0x31; code[n++] = 0xC0;           // xor eax,eax: ZF=PF=1, CF=0
    while ((tok = strtok(0, " \n"))) code[n++] = strtoul(tok, 0, 16);
    code[n++] = 0xDD; code[n++] = 0x36;           // fnsave [rsi]
    code[n++] = 0x9C; code[n++] = 0x58; code[n++] = 0x89; code[n++] = 0x46; code[n++] = 0x78; // eflags → [rsi+120]
    code[n++] = 0xC3;
    save[0] = cw & 0xff; save[1] = cw >> 8;
    ((void(*)(void*, void*))code)(mem, save);
    for (int i = 0; i < 112; i++) printf("%02X", mem[i]);
    printf(" ");
    for (int i = 0; i < 108; i++) printf("%02X", save[i]);
    printf(" %02X%02X\n", save[121], save[120]);
  }
  return 0;
}
