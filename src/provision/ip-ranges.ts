/** IPv4 range -> CIDR blocks, as Gen2 network rules take them (Gen1 firewall rules are start-end ranges). */

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The smallest list of CIDR blocks covering start..end (inclusive); start > end gives []. */
export function rangeToCidrs(start: string, end: string): { base: string; prefix: number }[] {
  let lo = ipToNumber(start);
  const hi = ipToNumber(end);
  const out: { base: string; prefix: number }[] = [];
  while (lo <= hi) {
    let size = 1;
    // Grow the block while it stays aligned on lo and inside the range.
    while (size < 2 ** 32 && lo % (size * 2) === 0 && lo + size * 2 - 1 <= hi) size *= 2;
    out.push({ base: numberToIp(lo), prefix: 32 - Math.log2(size) });
    lo += size;
  }
  return out;
}

/** RFC 1918 and other ranges Azure Storage IP rules refuse (they apply to public addresses only). */
export function isPrivateOrReserved(ip: string): boolean {
  const n = ipToNumber(ip);
  const within = (base: string, prefix: number): boolean => Math.floor(n / 2 ** (32 - prefix)) === Math.floor(ipToNumber(base) / 2 ** (32 - prefix));
  return within('10.0.0.0', 8) || within('172.16.0.0', 12) || within('192.168.0.0', 16) || within('100.64.0.0', 10) || within('127.0.0.0', 8) || within('169.254.0.0', 16) || within('0.0.0.0', 8);
}

/**
 * Gen2 IP rules for one Gen1 range: CIDR blocks, with /31 and /32 written as single addresses
 * (Azure Storage does not take those prefix sizes). Private addresses are left out and returned apart.
 */
export function storageIpRules(start: string, end: string): { rules: string[]; refused: string[] } {
  const rules: string[] = [];
  const refused: string[] = [];
  for (const { base, prefix } of rangeToCidrs(start, end)) {
    const text = prefix === 32 ? base : `${base}/${prefix}`;
    if (isPrivateOrReserved(base) || (prefix < 8 && isPrivateOrReserved(numberToIp(ipToNumber(base) + 2 ** (32 - prefix) - 1)))) {
      refused.push(text);
    } else if (prefix === 31) {
      rules.push(base, numberToIp(ipToNumber(base) + 1));
    } else {
      rules.push(text);
    }
  }
  return { rules, refused };
}
