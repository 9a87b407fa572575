// Host-x87 vector generator: reads input operands (TestFloat format), runs them on the real FPU.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
typedef struct { uint64_t sig; uint16_t se; } __attribute__((packed)) f80;
static f80 parse80(const char*s){ f80 v; char b[5]; memcpy(b,s,4); b[4]=0; v.se=strtoul(b,0,16); v.sig=strtoull(s+4,0,16); return v; }
static int flagsOf(uint16_t sw){ int f=0; if(sw&0x20)f|=1; if(sw&0x10)f|=2; if(sw&0x08)f|=4; if(sw&0x04)f|=8; if(sw&0x01)f|=16; if(getenv("X87DE")&&(sw&0x02))f|=32; return f; }
int main(int argc,char**argv){
  const char*op=argv[1]; int rc=atoi(argv[2]); int pc=atoi(argv[3]);
  uint16_t cw=0x037F & ~0x0300; cw|= (pc<<8) | (rc<<10);
  char line[256];
  while(fgets(line,sizeof line,stdin)){
    char a[64],b[64]; int n=sscanf(line,"%63s %63s",a,b); if(n<1) continue;
    uint16_t sw; f80 r; int binary=0;
    f80 A,B; uint32_t u32; uint64_t u64;
    __asm__ volatile("fninit; fldcw %0"::"m"(cw));
    if(!strcmp(op,"add")||!strcmp(op,"sub")||!strcmp(op,"mul")||!strcmp(op,"div")||!strcmp(op,"rem")||!strcmp(op,"eq")||!strcmp(op,"lt")||!strcmp(op,"le")||!strcmp(op,"lt_quiet")||!strcmp(op,"eq_signaling")||!strcmp(op,"le_quiet")){
      A=parse80(a); B=parse80(b); binary=1;
      __asm__ volatile("fldt %0; fldt %1"::"m"(B),"m"(A));
      if(!strcmp(op,"add")) __asm__ volatile("fadd %st(1),%st");
      else if(!strcmp(op,"sub")) __asm__ volatile("fsub %st(1),%st");
      else if(!strcmp(op,"mul")) __asm__ volatile("fmul %st(1),%st");
      else if(!strcmp(op,"div")) __asm__ volatile("fdiv %st(1),%st");
      else if(!strcmp(op,"rem")) { uint16_t s; do { __asm__ volatile("fprem1; fnstsw %0":"=m"(s)); } while(s&0x400); }
      else {
        uint16_t s; int quiet = !strcmp(op,"eq")||!strcmp(op,"lt_quiet")||!strcmp(op,"le_quiet");
        if(quiet) __asm__ volatile("fucom %%st(1); fnstsw %0":"=m"(s)); else __asm__ volatile("fcom %%st(1); fnstsw %0":"=m"(s));
        __asm__ volatile("fnstsw %0; fstp %%st(0); fstp %%st(0)":"=m"(sw));
        int c0=(s>>8)&1,c2=(s>>10)&1,c3=(s>>14)&1; int res;
        int un=c0&&c2&&c3, eq=!un&&c3, lt=!un&&c0;
        if(!strncmp(op,"eq",2)) res=eq; else if(!strncmp(op,"lt",2)) res=lt; else res=lt||eq;
        printf("%s %s %d %02X\n",a,b,res,flagsOf(sw)); continue;
      }
      __asm__ volatile("fstpt %0; fstp %%st(0); fnstsw %1":"=m"(r),"=m"(sw));
      printf("%s %s %04X%016llX %02X\n",a,b,r.se,(unsigned long long)r.sig,flagsOf(sw)); continue;
    }
    if(!strcmp(op,"fprem")||!strcmp(op,"fprem1")){
      A=parse80(a); B=parse80(b);
      __asm__ volatile("fldt %0; fldt %1"::"m"(B),"m"(A));
      if(!strcmp(op,"fprem")) __asm__ volatile("fprem"); else __asm__ volatile("fprem1");
      __asm__ volatile("fnstsw %1; fstpt %0; fstp %%st(0)":"=m"(r),"=m"(sw));
      printf("%s %s %04X%016llX %02X %04X\n",a,b,r.se,(unsigned long long)r.sig,flagsOf(sw),sw&0x4700); continue;
    }
    if(!strcmp(op,"fyl2x")||!strcmp(op,"fyl2xp1")||!strcmp(op,"fpatan")||!strcmp(op,"fscale")){
      A=parse80(a); B=parse80(b);  /* A = ST0, B = ST1 */
      __asm__ volatile("fldt %0; fldt %1"::"m"(B),"m"(A));
      if(!strcmp(op,"fyl2x")) __asm__ volatile("fyl2x"); else if(!strcmp(op,"fyl2xp1")) __asm__ volatile("fyl2xp1");
      else if(!strcmp(op,"fpatan")) __asm__ volatile("fpatan"); else __asm__ volatile("fscale; fxch; fstp %st(0)");
      __asm__ volatile("fnstsw %1; fstpt %0":"=m"(r),"=m"(sw));
      printf("%s %s %04X%016llX %02X %04X\n",a,b,r.se,(unsigned long long)r.sig,flagsOf(sw),sw&0x4700); continue;
    }
    if(!strcmp(op,"fsin")||!strcmp(op,"fcos")||!strcmp(op,"f2xm1")||!strcmp(op,"fptan")||!strcmp(op,"fsincos")||!strcmp(op,"fxtract")){
      f80 r2={0,0}; A=parse80(a); __asm__ volatile("fldt %0"::"m"(A));
      int two=0;
      if(!strcmp(op,"fsin")) __asm__ volatile("fsin"); else if(!strcmp(op,"fcos")) __asm__ volatile("fcos"); else if(!strcmp(op,"f2xm1")) __asm__ volatile("f2xm1");
      else { two=1; if(!strcmp(op,"fptan")) __asm__ volatile("fptan"); else if(!strcmp(op,"fsincos")) __asm__ volatile("fsincos"); else __asm__ volatile("fxtract"); }
      __asm__ volatile("fnstsw %0":"=m"(sw));
      if((sw&0x400)&&two) two=0;
      if(two) __asm__ volatile("fstpt %0; fstpt %1":"=m"(r2),"=m"(r)); else __asm__ volatile("fstpt %0":"=m"(r));
      printf("%s %04X%016llX %04X%016llX %02X %04X\n",a,r.se,(unsigned long long)r.sig,r2.se,(unsigned long long)r2.sig,flagsOf(sw),sw&0x4700); continue;
    }
    if(!strncmp(op,"fld",3)&&strlen(op)>3){
      if(!strcmp(op,"fldpi")) __asm__ volatile("fldpi"); else if(!strcmp(op,"fldl2t")) __asm__ volatile("fldl2t"); else if(!strcmp(op,"fldl2e")) __asm__ volatile("fldl2e");
      else if(!strcmp(op,"fldlg2")) __asm__ volatile("fldlg2"); else __asm__ volatile("fldln2");
      __asm__ volatile("fnstsw %1; fstpt %0":"=m"(r),"=m"(sw));
      printf("%04X%016llX %02X\n",r.se,(unsigned long long)r.sig,flagsOf(sw)); continue;
    }
    if(!strcmp(op,"fbstp")){ unsigned char bcd[10]; A=parse80(a); __asm__ volatile("fldt %2; fbstp %0; fnstsw %1":"=m"(bcd),"=m"(sw):"m"(A));
      printf("%s ",a); for(int i=9;i>=0;i--) printf("%02X",bcd[i]); printf(" %02X\n",flagsOf(sw)); continue; }
    if(!strcmp(op,"fbld")){ unsigned char bcd[10]; for(int i=0;i<10;i++){ char t[3]={a[18-2*i],a[19-2*i],0}; bcd[i]=strtoul(t,0,16);} 
      __asm__ volatile("fbld %2; fstpt %0; fnstsw %1":"=m"(r),"=m"(sw):"m"(bcd)); }
    else if(!strcmp(op,"f32_to")){ u32=strtoul(a,0,16); __asm__ volatile("flds %2; fstpt %0; fnstsw %1":"=m"(r),"=m"(sw):"m"(u32)); }
    else if(!strcmp(op,"f64_to")){ u64=strtoull(a,0,16); __asm__ volatile("fldl %2; fstpt %0; fnstsw %1":"=m"(r),"=m"(sw):"m"(u64)); }
    else if(!strcmp(op,"i32_to")){ u32=strtoul(a,0,16); __asm__ volatile("fildl %2; fstpt %0; fnstsw %1":"=m"(r),"=m"(sw):"m"(u32)); }
    else if(!strcmp(op,"i64_to")){ u64=strtoull(a,0,16); __asm__ volatile("fildll %2; fstpt %0; fnstsw %1":"=m"(r),"=m"(sw):"m"(u64)); }
    else {
      A=parse80(a); __asm__ volatile("fldt %0"::"m"(A));
      if(!strcmp(op,"to_f32")){ __asm__ volatile("fstps %0; fnstsw %1":"=m"(u32),"=m"(sw)); printf("%s %08X %02X\n",a,u32,flagsOf(sw)); continue; }
      if(!strcmp(op,"to_f64")){ __asm__ volatile("fstpl %0; fnstsw %1":"=m"(u64),"=m"(sw)); printf("%s %016llX %02X\n",a,(unsigned long long)u64,flagsOf(sw)); continue; }
      if(!strcmp(op,"to_i32")){ __asm__ volatile("fistpl %0; fnstsw %1":"=m"(u32),"=m"(sw)); printf("%s %08X %02X\n",a,u32,flagsOf(sw)); continue; }
      if(!strcmp(op,"to_i64")){ __asm__ volatile("fistpll %0; fnstsw %1":"=m"(u64),"=m"(sw)); printf("%s %016llX %02X\n",a,(unsigned long long)u64,flagsOf(sw)); continue; }
      if(!strcmp(op,"sqrt")) __asm__ volatile("fsqrt");
      else if(!strcmp(op,"roundToInt")) __asm__ volatile("frndint");
      __asm__ volatile("fstpt %0; fnstsw %1":"=m"(r),"=m"(sw));
    }
    printf("%s %04X%016llX %02X\n",a,r.se,(unsigned long long)r.sig,flagsOf(sw));
  }
  return 0;
}
