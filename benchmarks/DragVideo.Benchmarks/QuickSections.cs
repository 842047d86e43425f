namespace DragVideo.Benchmarks;

/// <summary>The sections of the quick benchmark, in order. Each adds its rows to the table.</summary>
internal static class QuickSections
{
    /// <summary>(table, matmul peak GFLOP/s, use SD1.5 widths).</summary>
    public static readonly IReadOnlyList<Action<QuickTable, double, bool>> All = new List<Action<QuickTable, double, bool>>
    {
        FastBackendSection.Run,
        TrackingSection.Run,
        UnetSection.Run,
        EditorSection.Run,
    };
}
