// Port numbers, register indices and identifiers of the VGA and its Bochs VBE extension.
// Register names follow the IBM VGA Technical Reference and FreeVGA; the VBE DISPI interface
// and the PCI identity follow what QEMU's "stdvga" presents and SeaBIOS's vgabios-stdvga expects.

// ---- I/O ports (IBM VGA Technical Reference, "Register addresses") ----
export const VGA_PORT_FIRST = 0x3b0;
export const VGA_PORT_COUNT = 0x30; // 0x3B0-0x3DF
export const PORT_CRTC_INDEX_MONO = 0x3b4;
export const PORT_CRTC_DATA_MONO = 0x3b5;
export const PORT_STATUS1_MONO = 0x3ba; // read: input status 1; write: feature control
export const PORT_ATTR_INDEX = 0x3c0; // write index/data (flip-flop); read index
export const PORT_ATTR_DATA_READ = 0x3c1;
export const PORT_MISC_WRITE = 0x3c2; // read: input status 0
export const PORT_VIDEO_ENABLE = 0x3c3;
export const PORT_SEQ_INDEX = 0x3c4;
export const PORT_SEQ_DATA = 0x3c5;
export const PORT_DAC_PEL_MASK = 0x3c6;
export const PORT_DAC_READ_INDEX = 0x3c7; // read: DAC state
export const PORT_DAC_WRITE_INDEX = 0x3c8;
export const PORT_DAC_DATA = 0x3c9;
export const PORT_FEATURE_READ = 0x3ca;
export const PORT_MISC_READ = 0x3cc;
export const PORT_GC_INDEX = 0x3ce;
export const PORT_GC_DATA = 0x3cf;
export const PORT_CRTC_INDEX_COLOR = 0x3d4;
export const PORT_CRTC_DATA_COLOR = 0x3d5;
export const PORT_STATUS1_COLOR = 0x3da;

// ---- Sequencer (SR) ----
export const SR_RESET = 0x00;
export const SR_CLOCKING = 0x01;
export const SR_MAP_MASK = 0x02;
export const SR_CHAR_MAP = 0x03;
export const SR_MEMORY_MODE = 0x04;
export const SR_COUNT = 5;
export const SR01_DOTS8 = 0x01; // 8-dot characters (else 9)
export const SR01_DOT_CLOCK_DIV2 = 0x08;
export const SR01_SCREEN_OFF = 0x20;
export const SR04_EXT_MEM = 0x02;
export const SR04_ODD_EVEN_DISABLE = 0x04;
export const SR04_CHAIN4 = 0x08;

// ---- Graphics controller (GR) ----
export const GR_SET_RESET = 0x00;
export const GR_ENABLE_SET_RESET = 0x01;
export const GR_COLOR_COMPARE = 0x02;
export const GR_DATA_ROTATE = 0x03;
export const GR_READ_MAP = 0x04;
export const GR_MODE = 0x05;
export const GR_MISC = 0x06;
export const GR_COLOR_DONT_CARE = 0x07;
export const GR_BIT_MASK = 0x08;
export const GR_COUNT = 9;
export const GR05_READ_MODE1 = 0x08;
export const GR05_HOST_ODD_EVEN = 0x10;
export const GR05_SHIFT_INTERLEAVE = 0x20; // CGA 2-bit packed pixels
export const GR05_SHIFT_256 = 0x40; // 256-colour shift mode
export const GR06_GRAPHICS = 0x01;
export const GR06_CHAIN_ODD_EVEN = 0x02;

// ---- Attribute controller (AR) ----
export const AR_MODE = 0x10;
export const AR_OVERSCAN = 0x11;
export const AR_PLANE_ENABLE = 0x12;
export const AR_PEL_PANNING = 0x13;
export const AR_COLOR_SELECT = 0x14;
export const AR_COUNT = 0x15;
export const AR_INDEX_PAS = 0x20; // palette address source: 0 = CPU owns the palette, screen blank
export const AR10_GRAPHICS = 0x01;
export const AR10_LINE_GRAPHICS = 0x04; // 9th column repeats the 8th for 0xC0-0xDF
export const AR10_BLINK = 0x08;
export const AR10_8BIT = 0x40;
export const AR10_P54S = 0x80;

// ---- CRT controller (CR) ----
export const CR_H_TOTAL = 0x00;
export const CR_H_DISP_END = 0x01;
export const CR_H_BLANK_START = 0x02;
export const CR_H_BLANK_END = 0x03;
export const CR_H_RETRACE_START = 0x04;
export const CR_H_RETRACE_END = 0x05;
export const CR_V_TOTAL = 0x06;
export const CR_OVERFLOW = 0x07;
export const CR_PRESET_ROW_SCAN = 0x08;
export const CR_MAX_SCAN_LINE = 0x09;
export const CR_CURSOR_START = 0x0a;
export const CR_CURSOR_END = 0x0b;
export const CR_START_HI = 0x0c;
export const CR_START_LO = 0x0d;
export const CR_CURSOR_HI = 0x0e;
export const CR_CURSOR_LO = 0x0f;
export const CR_V_RETRACE_START = 0x10;
export const CR_V_RETRACE_END = 0x11;
export const CR_V_DISP_END = 0x12;
export const CR_OFFSET = 0x13;
export const CR_UNDERLINE = 0x14;
export const CR_V_BLANK_START = 0x15;
export const CR_V_BLANK_END = 0x16;
export const CR_MODE_CONTROL = 0x17;
export const CR_LINE_COMPARE = 0x18;
export const CR_COUNT = 0x19;
export const CR11_PROTECT = 0x80; // write-protects CR00-CR07 (except CR07 bit 4)
export const CR0A_CURSOR_OFF = 0x20;
export const CR17_CMS = 0x01; // 0: row-scan bit 0 replaces address bit 13 (CGA)
export const CR17_SRS = 0x02; // 0: row-scan bit 1 replaces address bit 14 (Hercules)

// ---- Miscellaneous output, input status 1 ----
export const MISC_COLOR_IO = 0x01; // CRTC and status 1 at 3Dx (else 3Bx)
export const ST1_DISPLAY_DISABLED = 0x01; // horizontal or vertical blanking
export const ST1_VRETRACE = 0x08;

// ---- Bochs VBE DISPI (QEMU include/hw/display/bochs-vbe.h, Bochs iodev/vga.h) ----
export const VBE_PORT_INDEX = 0x1ce;
export const VBE_PORT_DATA = 0x1cf;
export const VBE_PORT_DATA_ALIAS = 0x1d0;
export const VBE_INDEX_ID = 0x0;
export const VBE_INDEX_XRES = 0x1;
export const VBE_INDEX_YRES = 0x2;
export const VBE_INDEX_BPP = 0x3;
export const VBE_INDEX_ENABLE = 0x4;
export const VBE_INDEX_BANK = 0x5;
export const VBE_INDEX_VIRT_WIDTH = 0x6;
export const VBE_INDEX_VIRT_HEIGHT = 0x7;
export const VBE_INDEX_X_OFFSET = 0x8;
export const VBE_INDEX_Y_OFFSET = 0x9;
export const VBE_INDEX_VIDEO_MEMORY_64K = 0xa;
export const VBE_REG_COUNT = 0xa; // stored registers 0-9; 0xA is computed
export const VBE_ID0 = 0xb0c0;
export const VBE_ID5 = 0xb0c5;
export const VBE_ENABLED = 0x01;
export const VBE_GETCAPS = 0x02;
export const VBE_8BIT_DAC = 0x20;
export const VBE_LFB_ENABLED = 0x40;
export const VBE_NOCLEARMEM = 0x80;
export const VBE_MAX_XRES = 16000;
export const VBE_MAX_YRES = 12000;
export const VBE_MAX_BPP = 32;
export const VBE_LFB_DEFAULT_ADDRESS = 0xe0000000;

// ---- PCI identity of QEMU's stdvga, which vgabios-stdvga.bin drives (PCI helper uses these) ----
export const VGA_PCI_VENDOR = 0x1234;
export const VGA_PCI_DEVICE = 0x1111;
export const VGA_PCI_REVISION = 0x02;
export const VGA_PCI_CLASS = 0x030000; // display controller, VGA compatible, prog-if 0
export const VGA_PCI_SUBSYSTEM_VENDOR = 0x1af4;
export const VGA_PCI_SUBSYSTEM = 0x1100;
/** BAR2: 4 KiB of MMIO registers (QEMU extension): VGA ports at 0x400, DISPI at 0x500, QEXT at 0x600. */
export const VGA_MMIO_BAR_SIZE = 0x1000;
export const VGA_MMIO_PORTS_OFFSET = 0x400; // ports 0x3C0-0x3DF
export const VGA_MMIO_DISPI_OFFSET = 0x500; // DISPI register i at 0x500 + 2i, 16-bit
export const VGA_MMIO_QEXT_OFFSET = 0x600;
export const QEXT_SIZE = 8;
export const QEXT_LITTLE_ENDIAN = 0x1e1e1e1e;

/** Legacy VGA memory window 0xA0000-0xBFFFF. */
export const VGA_WINDOW_BASE = 0xa0000;
export const VGA_WINDOW_SIZE = 0x20000;
/** Standard VGA memory: 4 planes of 64 KiB. */
export const VGA_PLANE_SIZE = 0x10000;
export const DEFAULT_VRAM_SIZE = 16 * 1024 * 1024;
