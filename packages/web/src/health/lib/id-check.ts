// GB 11643 check character, for instant feedback on the form (the server decides).
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

export function idNumberLooksValid(s: string): boolean {
  const id = s.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * W[i]!;
  return '10X98765432'[sum % 11] === id[17];
}
