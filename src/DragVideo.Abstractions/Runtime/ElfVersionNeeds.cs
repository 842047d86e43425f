using System.Text;

namespace DragVideo;

/// <summary>
/// Reads the symbol-version requirements (<c>.gnu.version_r</c>) of a little-endian ELF64 shared library, to tell
/// whether a requirement such as <c>GLIBCXX_3.4.32</c> is strict or weak (<c>VER_FLG_WEAK</c>).
/// </summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// Returns the flags of every version requirement named <paramref name="version"/>; empty when the file does not
    /// need it or is not an ELF64 little-endian file.
    /// </summary>
    public static IReadOnlyList<ushort> FlagsOf(ReadOnlySpan<byte> elf, string version)
    {
        var result = new List<ushort>();
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            return result;
        long shoff = BitConverter.ToInt64(elf[0x28..]);
        int shentsize = BitConverter.ToUInt16(elf[0x3A..]);
        int shnum = BitConverter.ToUInt16(elf[0x3C..]);
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)(shoff + (long)s * shentsize));
            if (BitConverter.ToUInt32(elf[(sh + 4)..]) != ShtGnuVerneed) continue;
            int off = checked((int)BitConverter.ToInt64(elf[(sh + 0x18)..]));
            int link = (int)BitConverter.ToUInt32(elf[(sh + 0x28)..]);
            int strOff = checked((int)BitConverter.ToInt64(elf[(int)(shoff + (long)link * shentsize + 0x18)..]));
            int vn = off;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf[(vn + 2)..]);
                int va = vn + (int)BitConverter.ToUInt32(elf[(vn + 8)..]);
                for (int a = 0; a < count; a++)
                {
                    int name = strOff + (int)BitConverter.ToUInt32(elf[(va + 8)..]);
                    int end = elf[name..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(elf.Slice(name, end)) == version)
                        result.Add(BitConverter.ToUInt16(elf[(va + 4)..]));
                    uint nextAux = BitConverter.ToUInt32(elf[(va + 12)..]);
                    if (nextAux == 0) break;
                    va += (int)nextAux;
                }
                uint next = BitConverter.ToUInt32(elf[(vn + 12)..]);
                if (next == 0) break;
                vn += (int)next;
            }
        }
        return result;
    }

    /// <summary>True when the library at <paramref name="path"/> has a non-weak requirement on <paramref name="version"/>.</summary>
    public static bool HasStrictRequirement(string path, string version)
    {
        try
        {
            return FlagsOf(File.ReadAllBytes(path), version).Any(f => (f & VerFlgWeak) == 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}
