// Register offsets, bits and command codes of the ATA/ATAPI interface, from ATA/ATAPI-6
// (T13/1410D rev. 3b): the register descriptions and the command descriptions.

// Command block register offsets (ATA-6 register addressing table): the board adds the channel's base port.
export const REG_DATA = 0;
export const REG_ERROR = 1; // read
export const REG_FEATURES = 1; // write
export const REG_SECTOR_COUNT = 2; // ATAPI: interrupt reason on read
export const REG_LBA_LOW = 3; // sector number
export const REG_LBA_MID = 4; // cylinder low; ATAPI byte count low
export const REG_LBA_HIGH = 5; // cylinder high; ATAPI byte count high
export const REG_DEVICE = 6; // device/head
export const REG_STATUS = 7; // read
export const REG_COMMAND = 7; // write

// Status register.
export const ST_ERR = 0x01; // ATAPI: CHK
export const ST_DRQ = 0x08;
export const ST_DSC = 0x10; // obsolete "seek complete"; ATAPI: SERV
export const ST_DF = 0x20; // device fault
export const ST_DRDY = 0x40;
export const ST_BSY = 0x80;

// Error register.
export const ERR_AMNF = 0x01; // also the diagnostic code "device passed" after reset
export const ERR_ABRT = 0x04;
export const ERR_IDNF = 0x10;
export const ERR_UNC = 0x40;

// Device register.
export const DEV_DEV = 0x10; // selects device 1
export const DEV_LBA = 0x40;
/** Obsolete bits 7 and 5, read back as 1 (as older hosts expect). */
export const DEV_OBSOLETE = 0xa0;

// Device Control register.
export const CTL_NIEN = 0x02;
export const CTL_SRST = 0x04;
export const CTL_HOB = 0x80;

// ATAPI interrupt reason, in the Sector Count register (ATA-6 PACKET command: CoD, IO).
export const IR_COD = 0x01;
export const IR_IO = 0x02;

// Commands (ATA-6 command descriptions; obsolete ones kept where BIOSes still issue them).
export const CMD = {
  NOP: 0x00,
  DEVICE_RESET: 0x08,
  RECALIBRATE: 0x10, // 0x10-0x1F, obsolete
  READ_SECTORS: 0x20,
  READ_SECTORS_NORETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NORETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY: 0x40,
  READ_VERIFY_NORETRY: 0x41,
  READ_VERIFY_EXT: 0x42,
  SEEK: 0x70,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  STANDBY_IMMEDIATE_OLD: 0x94,
  IDLE_IMMEDIATE_OLD: 0x95,
  STANDBY_OLD: 0x96,
  IDLE_OLD: 0x97,
  CHECK_POWER_MODE_OLD: 0x98,
  SLEEP_OLD: 0x99,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  READ_DMA_NORETRY: 0xc9,
  WRITE_DMA: 0xca,
  WRITE_DMA_NORETRY: 0xcb,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
} as const;

/** Words of IDENTIFY (PACKET) DEVICE data, 256 of them. */
export const IDENTIFY_WORDS = 256;

/**
 * Stores an ATA string (ATA-6 IDENTIFY DEVICE, note to words 10-19): ASCII padded with spaces,
 * two characters per word with the first character in the high byte.
 */
export function putAtaString(words: Uint16Array, first: number, wordCount: number, text: string): void {
  const padded = text.padEnd(wordCount * 2, ' ').slice(0, wordCount * 2);
  for (let i = 0; i < wordCount; i++) {
    words[first + i] = ((padded.charCodeAt(2 * i) & 0xff) << 8) | (padded.charCodeAt(2 * i + 1) & 0xff);
  }
}

/** Serialises IDENTIFY words little-endian and adds the integrity word 255 (ATA-6 IDENTIFY DEVICE word 255). */
export function identifyBytes(words: Uint16Array): Uint8Array {
  words[255] = 0x00a5;
  const out = new Uint8Array(IDENTIFY_WORDS * 2);
  for (let i = 0; i < IDENTIFY_WORDS; i++) {
    out[2 * i] = words[i] & 0xff;
    out[2 * i + 1] = words[i] >>> 8;
  }
  let sum = 0;
  for (let i = 0; i < 511; i++) sum += out[i];
  out[511] = -sum & 0xff; // checksum: all 512 bytes sum to 0 mod 256
  words[255] = out[510] | (out[511] << 8);
  return out;
}

/** SET FEATURES 03h transfer mode value (ATA-6 SET FEATURES, transfer mode values): kind and mode number. */
export interface TransferMode {
  pio: number; // 0-4
  mwdma: number; // -1 when not selected
  udma: number; // -1 when not selected
}
