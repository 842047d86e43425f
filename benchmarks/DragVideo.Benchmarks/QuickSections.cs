namespace DragVideo.Benchmarks;

/// <summary>The sections of the quick benchmark, in order. Each adds its rows to the table.</summary>
internal static class QuickSections
{
    /// <summary>Section name (for <c>--only</c>) and body (table, matmul peak GFLOP/s, use SD1.5 widths).</summary>
    public static readonly IReadOnlyList<(string Name, Action<QuickTable, double, bool> Run)> All = new List<(string, Action<QuickTable, double, bool>)>
    {
        ("fast", FastBackendSection.Run),
        ("tracking", TrackingSection.Run),
        ("metrics", MetricsSection.Run),
        ("fullres", FullResolutionSection.Run),
        // The editor section runs before the U-Net section's 16-frame drag step, whose ~20 GB peak leaves the
        // allocator cold for whatever is timed next.
        ("editor", EditorSection.Run),
        ("unet", UnetSection.Run),
        ("unet512", WorkAt512Section.Run),
        ("toyworld", ToyWorldSection.Run),
        ("toyrecon", ToyReconstructionSection.Run),
        // Peak memory and time of each saving (checkpointing, slicing, chunks); budgeted to 20 min and 22 GiB.
        ("memory", MemorySection.Run),
    };

    /// <summary>
    /// Sections that run only when named in <c>--only</c>: each takes from several minutes (fullres) to hours
    /// (the toyworld diffusion settings), so a plain <c>--quick</c> stays a few-minute run.
    /// </summary>
    public static readonly IReadOnlySet<string> OnRequest = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "fullres", "toyworld", "toyrecon", "memory" };
}
