using DragVideo.Diffusion.Modules.Common;
using System.Text.Json;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>How <see cref="DdimScheduler.SetTimesteps"/> spaces the inference timesteps (diffusers <c>timestep_spacing</c>).</summary>
public enum TimestepSpacing
{
    /// <summary><c>"leading"</c>: 0, r, 2r, … (r = train/steps, integer) plus <c>steps_offset</c>; SD1.5's choice.</summary>
    Leading,
    /// <summary><c>"trailing"</c>: round(train − k·train/steps) − 1, so the first step is the last training timestep.</summary>
    Trailing,
    /// <summary><c>"linspace"</c>: round(linspace(0, train − 1, steps)).</summary>
    Linspace,
}

/// <summary>How the β schedule is built (diffusers <c>beta_schedule</c>).</summary>
public enum BetaSchedule
{
    /// <summary><c>"linear"</c>: linspace(β_start, β_end) in float32.</summary>
    Linear,
    /// <summary><c>"scaled_linear"</c>: linspace(√β_start, √β_end)² in float32 (Stable Diffusion).</summary>
    ScaledLinear,
    /// <summary><c>"squaredcos_cap_v2"</c>: the cosine schedule (Glide), β capped at 0.999.</summary>
    SquaredCosCapV2,
}

/// <summary>What the network predicts (diffusers <c>prediction_type</c>).</summary>
public enum PredictionType
{
    /// <summary>The noise ε (SD1.5).</summary>
    Epsilon,
    /// <summary>The clean sample x₀.</summary>
    Sample,
    /// <summary>The velocity v = √ᾱ·ε − √(1−ᾱ)·x₀ (SD2 768-v).</summary>
    VPrediction,
}

/// <summary>
/// Configuration of <see cref="DdimScheduler"/>, mirroring diffusers' <c>DDIMScheduler</c> <c>scheduler_config.json</c>
/// (v0.25.1). Defaults are diffusers' constructor defaults; <see cref="StableDiffusion15"/> is SD1.5's file.
/// </summary>
public sealed record DdimSchedulerConfig
{
    /// <summary>Number of training timesteps T (1000).</summary>
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary>First β.</summary>
    public double BetaStart { get; init; } = 0.0001;

    /// <summary>Last β.</summary>
    public double BetaEnd { get; init; } = 0.02;

    /// <summary>β schedule.</summary>
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.Linear;

    /// <summary>Explicit β values (overrides the schedule when set; length must equal <see cref="NumTrainTimesteps"/>).</summary>
    public IReadOnlyList<double>? TrainedBetas { get; init; }

    /// <summary>Clamp the predicted x₀ to ±<see cref="ClipSampleRange"/>.</summary>
    public bool ClipSample { get; init; } = true;

    /// <summary>Clamp range for <see cref="ClipSample"/>.</summary>
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>When true ᾱ before the first step is 1; when false it is ᾱ₀ (SD1.5: false).</summary>
    public bool SetAlphaToOne { get; init; } = true;

    /// <summary>Offset added to "leading" timesteps (SD1.5: 1, giving 981 … 1 for 50 steps).</summary>
    public int StepsOffset { get; init; }

    /// <summary>What the network predicts.</summary>
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;

    /// <summary>Dynamic thresholding of x₀ (Imagen); off for latent diffusion.</summary>
    public bool Thresholding { get; init; }

    /// <summary>Quantile used by dynamic thresholding.</summary>
    public double DynamicThresholdingRatio { get; init; } = 0.995;

    /// <summary>Upper bound of the dynamic threshold.</summary>
    public double SampleMaxValue { get; init; } = 1.0;

    /// <summary>Timestep spacing.</summary>
    public TimestepSpacing TimestepSpacing { get; init; } = TimestepSpacing.Leading;

    /// <summary>Rescale β so the final ᾱ is 0 (zero terminal SNR, Lin et al. 2023).</summary>
    public bool RescaleBetasZeroSnr { get; init; }

    /// <summary>Stable Diffusion 1.5's <c>scheduler/scheduler_config.json</c> (scaled_linear 0.00085 → 0.012, leading + 1).</summary>
    public static DdimSchedulerConfig StableDiffusion15 { get; } = new()
    {
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        BetaSchedule = BetaSchedule.ScaledLinear,
        ClipSample = false,
        SetAlphaToOne = false,
        StepsOffset = 1,
        TimestepSpacing = TimestepSpacing.Leading,
    };

    /// <summary>Reads a diffusers <c>scheduler_config.json</c>; unknown keys are ignored, missing keys keep the defaults.</summary>
    /// <exception cref="ModelLoadException">the file is missing, not JSON, or has an unsupported value.</exception>
    public static DdimSchedulerConfig FromJsonFile(string path)
    {
        return FromJson(ConfigFile.ReadText(path, "scheduler config"), path);
    }

    /// <summary>Parses the JSON text of a diffusers scheduler config.</summary>
    /// <exception cref="ModelLoadException">not JSON, or an unsupported value.</exception>
    public static DdimSchedulerConfig FromJson(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            var c = new DdimSchedulerConfig();
            if (Has(r, "num_train_timesteps", out var e)) c = c with { NumTrainTimesteps = e.GetInt32() };
            if (Has(r, "beta_start", out e)) c = c with { BetaStart = e.GetDouble() };
            if (Has(r, "beta_end", out e)) c = c with { BetaEnd = e.GetDouble() };
            if (Has(r, "beta_schedule", out e)) c = c with { BetaSchedule = ParseBetaSchedule(e.GetString()!, source) };
            if (Has(r, "trained_betas", out e)) c = c with { TrainedBetas = e.EnumerateArray().Select(x => x.GetDouble()).ToArray() };
            if (Has(r, "clip_sample", out e)) c = c with { ClipSample = e.GetBoolean() };
            if (Has(r, "clip_sample_range", out e)) c = c with { ClipSampleRange = e.GetDouble() };
            if (Has(r, "set_alpha_to_one", out e)) c = c with { SetAlphaToOne = e.GetBoolean() };
            if (Has(r, "steps_offset", out e)) c = c with { StepsOffset = e.GetInt32() };
            if (Has(r, "prediction_type", out e)) c = c with { PredictionType = ParsePrediction(e.GetString()!, source) };
            if (Has(r, "thresholding", out e)) c = c with { Thresholding = e.GetBoolean() };
            if (Has(r, "dynamic_thresholding_ratio", out e)) c = c with { DynamicThresholdingRatio = e.GetDouble() };
            if (Has(r, "sample_max_value", out e)) c = c with { SampleMaxValue = e.GetDouble() };
            if (Has(r, "timestep_spacing", out e)) c = c with { TimestepSpacing = ParseSpacing(e.GetString()!, source) };
            if (Has(r, "rescale_betas_zero_snr", out e)) c = c with { RescaleBetasZeroSnr = e.GetBoolean() };
            c.Validate(source);
            return c;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException("Invalid scheduler config: " + ex.Message, source, ex);
        }
    }

    /// <summary>Checks the values are usable.</summary>
    /// <exception cref="ModelLoadException">a value is out of range.</exception>
    public void Validate(string? source = null)
    {
        if (NumTrainTimesteps < 2) throw new ModelLoadException($"num_train_timesteps must be ≥ 2 (got {NumTrainTimesteps}).", source);
        if (TrainedBetas is not null && TrainedBetas.Count != NumTrainTimesteps)
            throw new ModelLoadException($"trained_betas has {TrainedBetas.Count} values; num_train_timesteps is {NumTrainTimesteps}.", source);
        if (StepsOffset < 0) throw new ModelLoadException($"steps_offset must be ≥ 0 (got {StepsOffset}).", source);
    }

    private static bool Has(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static BetaSchedule ParseBetaSchedule(string s, string? source) => s switch
    {
        "linear" => BetaSchedule.Linear,
        "scaled_linear" => BetaSchedule.ScaledLinear,
        "squaredcos_cap_v2" => BetaSchedule.SquaredCosCapV2,
        _ => throw new ModelLoadException($"Unsupported beta_schedule '{s}' (expected linear, scaled_linear or squaredcos_cap_v2).", source),
    };

    private static PredictionType ParsePrediction(string s, string? source) => s switch
    {
        "epsilon" => PredictionType.Epsilon,
        "sample" => PredictionType.Sample,
        "v_prediction" => PredictionType.VPrediction,
        _ => throw new ModelLoadException($"Unsupported prediction_type '{s}' (expected epsilon, sample or v_prediction).", source),
    };

    private static TimestepSpacing ParseSpacing(string s, string? source) => s switch
    {
        "leading" => TimestepSpacing.Leading,
        "trailing" => TimestepSpacing.Trailing,
        "linspace" => TimestepSpacing.Linspace,
        _ => throw new ModelLoadException($"Unsupported timestep_spacing '{s}' (expected leading, trailing or linspace).", source),
    };
}
