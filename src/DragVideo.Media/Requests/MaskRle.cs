namespace DragVideo;

/// <summary>
/// Run-length code of a <see cref="BinaryMask"/> used by the drag-request JSON: row-major pixel order, alternating runs
/// that start with a run of <c>false</c> (which may be 0 long).
/// </summary>
internal static class MaskRle
{
    /// <summary>Run lengths of <paramref name="mask"/> (first run counts false pixels).</summary>
    public static List<int> Encode(BinaryMask mask)
    {
        var counts = new List<int>();
        var values = mask.Values;
        bool current = false;
        int run = 0;
        foreach (bool v in values)
        {
            if (v == current) { run++; continue; }
            counts.Add(run);
            current = v;
            run = 1;
        }
        counts.Add(run);
        return counts;
    }

    /// <summary>Decodes run lengths; throws <see cref="InvalidDragRequestException"/> naming <paramref name="field"/>.</summary>
    public static BinaryMask Decode(int width, int height, IReadOnlyList<long> counts, string field)
    {
        long total = (long)width * height;
        var data = new bool[total];
        long pos = 0;
        bool value = false;
        for (int i = 0; i < counts.Count; i++)
        {
            long c = counts[i];
            if (c < 0) throw new InvalidDragRequestException($"{field}[{i}]", $"run lengths must be ≥ 0; got {c}.");
            if (pos + c > total)
                throw new InvalidDragRequestException(field, $"runs cover more than the {width}×{height} = {total} pixels of the mask.");
            if (value) Array.Fill(data, true, (int)pos, (int)c);
            pos += c;
            value = !value;
        }
        if (pos != total)
            throw new InvalidDragRequestException(field, $"runs cover {pos} pixels; a {width}×{height} mask has {total}.");
        return new BinaryMask(width, height, data);
    }
}
