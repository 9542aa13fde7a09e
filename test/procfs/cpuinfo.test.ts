import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseCpuinfo } from '../../src/procfs/cpuinfo.js';

/** x86 entry as the kernel prints it (trimmed to the keys that matter plus neighbours). */
function x86(processor: number, physicalId: number, coreId: number): string {
  return [
    `processor\t: ${processor}`,
    'vendor_id\t: AuthenticAMD',
    'model name\t: AMD EPYC',
    `physical id\t: ${physicalId}`,
    'siblings\t: 2',
    `core id\t\t: ${coreId}`,
    'cpu cores\t: 2',
    'flags\t\t: fpu vme de pse',
    '',
    '',
  ].join('\n');
}

const ARM64 = `processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1

processor\t: 1
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1

`;

const ARM32 = `Processor\t: ARMv7 Processor rev 4 (v7l)
processor\t: 0
BogoMIPS\t: 38.40

processor\t: 1
BogoMIPS\t: 38.40

Hardware\t: BCM2835
Revision\t: a02082
Serial\t\t: 00000000deadbeef
`;

const PPC64LE = `processor\t: 0
cpu\t\t: POWER9 (architected), altivec supported
clock\t\t: 2200.000000MHz
revision\t: 2.2 (pvr 004e 1202)

processor\t: 8
cpu\t\t: POWER9 (architected), altivec supported
clock\t\t: 2200.000000MHz
revision\t: 2.2 (pvr 004e 1202)

timebase\t: 512000000
platform\t: pSeries
`;

const S390X = `vendor_id       : IBM/S390
# processors    : 2
bogomips per cpu: 3033.00
features\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx sie
processor 0: version = FF,  identification = 0133E8,  machine = 2964
processor 1: version = FF,  identification = 0133E8,  machine = 2964
`;

describe('parseCpuinfo', () => {
  it('counts one socket of two cores (this machine: AMD EPYC VM)', () => {
    expect(parseCpuinfo(x86(0, 0, 0) + x86(1, 0, 1))).toEqual({ processors: 2, physicalCores: 2, sockets: 1 });
  });

  it('counts hyperthread siblings once per core', () => {
    const text = x86(0, 0, 0) + x86(1, 0, 1) + x86(2, 0, 0) + x86(3, 0, 1);
    expect(parseCpuinfo(text)).toEqual({ processors: 4, physicalCores: 2, sockets: 1 });
  });

  it('counts core ids per socket: they restart at 0 on every package', () => {
    const text = x86(0, 0, 0) + x86(1, 0, 1) + x86(2, 1, 0) + x86(3, 1, 1);
    expect(parseCpuinfo(text)).toEqual({ processors: 4, physicalCores: 4, sockets: 2 });
  });

  it('leaves cores and sockets undefined on arm64 (no physical id / core id keys)', () => {
    expect(parseCpuinfo(ARM64)).toEqual({ processors: 2 });
  });

  it('does not count the 32-bit ARM model line "Processor : ARMv7 …"', () => {
    expect(parseCpuinfo(ARM32)).toEqual({ processors: 2 });
  });

  it('counts sparse ppc64le processor numbers (SMT threads off)', () => {
    expect(parseCpuinfo(PPC64LE)).toEqual({ processors: 2 });
  });

  it('counts nothing on s390x, whose lines are "processor N: …" (sysfs is the source there)', () => {
    expect(parseCpuinfo(S390X)).toEqual({ processors: 0 });
  });

  it('counts a core id without a physical id as a core of one unknown socket', () => {
    const text = 'processor\t: 0\ncore id\t: 0\n\nprocessor\t: 1\ncore id\t: 1\n';
    expect(parseCpuinfo(text)).toEqual({ processors: 2, physicalCores: 2 });
  });

  it('returns zero processors for an empty file', () => {
    expect(parseCpuinfo('')).toEqual({ processors: 0 });
  });

  it.each([
    ['processor', 'processor\t: zero\n'],
    ['physical id', 'processor\t: 0\nphysical id\t: x\n'],
    ['core id', 'processor\t: 0\ncore id\t\t: -1\n'],
  ])('throws ParseError on a non-numeric %s', (_key, text) => {
    expect(() => parseCpuinfo(text)).toThrow(ParseError);
  });
});
