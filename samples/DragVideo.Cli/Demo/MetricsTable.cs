using System.Globalization;
using DragVideo.Editing.Metrics;
using Spectre.Console;

namespace DragVideo.Cli.Demo;

/// <summary>Prints an <see cref="EditMetricsReport"/> as a table (edited vs original where both exist).</summary>
internal static class MetricsTable
{
    public static void Print(EditMetricsReport r)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn("edited").AddColumn("original / note");
        table.AddRow("drag distance, mean (px)", F(r.MeanDragDistance), $"before edit {F(r.MeanInitialDragDistance)}; {r.MeasuredPoints} points");
        table.AddRow("drag distance, max (px)", F(r.MaxDragDistance), "");
        table.AddRow("max-flow Eq. 8 (px, lower = steadier)", F(r.TemporalMaxFlow),
            r.OriginalTemporalMaxFlow is double o ? $"{F(o)} (ratio {F(r.TemporalMaxFlowRatio)})" : "");
        table.AddRow("warp error (mean |Δ|)", F(r.WarpError, "0.0000"), r.OriginalWarpError is double w ? F(w, "0.0000") : "");
        table.AddRow("PSNR outside mask (dB)", r.PsnrOutsideMask is double p ? F(p) : "n/a", $"{F(r.OutsideFraction * 100, "0.0")}% of pixels");
        table.AddRow("MAE outside mask", r.MaeOutsideMask is double m ? F(m, "0.00000") : "n/a", "");
        table.AddRow("CLIP consistency Eq. 7", r.ClipConsistency is double c ? F(c, "0.0000") : "n/a",
            r.OriginalClipConsistency is double oc ? F(oc, "0.0000") : "needs CLIP vision weights (docs/metrics.md)");
        AnsiConsole.Write(table);
    }

    private static string F(double? v, string format = "0.00") =>
        v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
