using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DragVideo.Editing.Metrics;

namespace DragVideo.Cli.Demo;

/// <summary>What <c>report.json</c> holds: the backend, the clip, the drag, timings, the metrics and the files written.</summary>
internal sealed record RunReport(
    string Backend,
    ClipSummary Clip,
    string Drag,
    IReadOnlyDictionary<string, double> TimingsMs,
    EditMetricsReport Metrics,
    AcceptanceChecks Acceptance,
    IReadOnlyDictionary<string, string> Files)
{
    /// <summary>Indented camelCase JSON without HTML escaping (the file is read by people too).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Dictionary<string, double> Timings(EditResult result, TimeSpan metrics)
    {
        var d = result.StageTimings.ToDictionary(kv => JsonNamingPolicy.CamelCase.ConvertName(kv.Key.ToString()), kv => Math.Round(kv.Value.TotalMilliseconds, 1));
        d["editTotal"] = Math.Round(result.StageTimings.Values.Sum(t => t.TotalMilliseconds), 1);
        d["metrics"] = Math.Round(metrics.TotalMilliseconds, 1);
        return d;
    }
}

/// <summary>Size and rate of the clip that was edited.</summary>
internal sealed record ClipSummary(int Frames, int Width, int Height, double Fps, string Source);

/// <summary>The acceptance figures of issue 7, checked on this run.</summary>
/// <param name="MeanDragDistanceAtMost2Px">mean drag distance after editing ≤ 2 px.</param>
/// <param name="PsnrOutsideMaskAtLeast35Db">PSNR outside the dilated mask ≥ 35 dB.</param>
/// <param name="TemporalWithin10PercentOfOriginal">Eq. 8 within ±10 % of the original clip's.</param>
internal sealed record AcceptanceChecks(bool MeanDragDistanceAtMost2Px, bool PsnrOutsideMaskAtLeast35Db, bool? TemporalWithin10PercentOfOriginal)
{
    public static AcceptanceChecks From(EditMetricsReport r) => new(
        r.MeanDragDistance <= 2.0,
        r.PsnrOutsideMask is not double p || p >= 35,
        r.TemporalMaxFlowRatio is double q ? Math.Abs(q - 1) <= 0.10 : null);
}
