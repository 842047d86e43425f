namespace DragVideo.ToyWorld;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so a seed gives the same scene on every runtime and platform
/// (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal sealed class ToyRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1UL << 24));

    /// <summary>Uniform in [lo, hi).</summary>
    public float Range(float lo, float hi) => lo + (hi - lo) * NextFloat();

    /// <summary>Uniform integer in [lo, hi].</summary>
    public int Int(int lo, int hi) => lo + (int)(NextUInt64() % (ulong)(hi - lo + 1));

    public float Sign() => NextFloat() < 0.5f ? -1f : 1f;
}
