using System.Text.Json;
using DragVideo.Diffusion.Modules.Common;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// The configuration of a diffusers <c>UNet2DConditionModel</c> (its <c>config.json</c>), restricted to the switches the
/// Stable Diffusion 1.x family and its fine-tunes use. Per-block values are expanded to one entry per down block.
/// Note the diffusers naming quirk: for SD1.x <c>attention_head_dim</c> holds the number of <b>heads</b> (8), and
/// <c>num_attention_heads</c> is null; <see cref="HeadsPerBlock"/> resolves it the way diffusers does.
/// </summary>
public sealed record UNet2DConditionConfig
{
    /// <summary>Latent size the model was trained at (SD1.5: 64); informational.</summary>
    public int? SampleSize { get; init; } = 64;
    /// <summary>Input latent channels (<c>in_channels</c>, SD1.5: 4).</summary>
    public int InChannels { get; init; } = 4;
    /// <summary>Predicted channels (<c>out_channels</c>, SD1.5: 4).</summary>
    public int OutChannels { get; init; } = 4;
    /// <summary>Map the input from [0,1] to [-1,1] first (<c>center_input_sample</c>).</summary>
    public bool CenterInputSample { get; init; }
    /// <summary>Cosine half first in the timestep sinusoid (<c>flip_sin_to_cos</c>, SD1.5: true).</summary>
    public bool FlipSinToCos { get; init; } = true;
    /// <summary>Timestep frequency shift (<c>freq_shift</c>, SD1.5: 0).</summary>
    public double FreqShift { get; init; }
    /// <summary>Down block types: "CrossAttnDownBlock2D" or "DownBlock2D" (motion variants accepted and mapped).</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = new[] { "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D" };
    /// <summary>Mid block type: "UNetMidBlock2DCrossAttn" (or null for none).</summary>
    public string? MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";
    /// <summary>Up block types: "UpBlock2D" or "CrossAttnUpBlock2D".</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = new[] { "UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D" };
    /// <summary>Per down block: attn1 attends to the text too (<c>only_cross_attention</c>); null = all false.</summary>
    public IReadOnlyList<bool>? OnlyCrossAttention { get; init; }
    /// <summary>Channels per level (<c>block_out_channels</c>, SD1.5: 320, 640, 1280, 1280).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = new[] { 320, 640, 1280, 1280 };
    /// <summary>Resnets per down block (<c>layers_per_block</c>); up blocks have one more. SD1.5: 2.</summary>
    public IReadOnlyList<int> LayersPerBlock { get; init; } = new[] { 2, 2, 2, 2 };
    /// <summary>Downsampler conv padding (<c>downsample_padding</c>, SD1.5: 1).</summary>
    public int DownsamplePadding { get; init; } = 1;
    /// <summary>Mid-block resnet output scale (<c>mid_block_scale_factor</c>, SD1.5: 1).</summary>
    public double MidBlockScaleFactor { get; init; } = 1.0;
    /// <summary>Dropout probability (<c>dropout</c>, 0).</summary>
    public double Dropout { get; init; }
    /// <summary>Activation (<c>act_fn</c>, SD1.5: "silu").</summary>
    public string ActFn { get; init; } = "silu";
    /// <summary>GroupNorm groups (<c>norm_num_groups</c>, SD1.5: 32).</summary>
    public int NormNumGroups { get; init; } = 32;
    /// <summary>GroupNorm epsilon of resnets and output norm (<c>norm_eps</c>, SD1.5: 1e-5).</summary>
    public double NormEps { get; init; } = 1e-5;
    /// <summary>Per down block text-embedding width (<c>cross_attention_dim</c>, SD1.5: 768).</summary>
    public IReadOnlyList<int> CrossAttentionDim { get; init; } = new[] { 768, 768, 768, 768 };
    /// <summary>Per down block transformer depth (<c>transformer_layers_per_block</c>, SD1.5: 1).</summary>
    public IReadOnlyList<int> TransformerLayersPerBlock { get; init; } = new[] { 1, 1, 1, 1 };
    /// <summary>Per down block <c>attention_head_dim</c> — for SD1.x this is the number of heads (8).</summary>
    public IReadOnlyList<int> AttentionHeadDim { get; init; } = new[] { 8, 8, 8, 8 };
    /// <summary>Per down block <c>num_attention_heads</c>; null (SD1.x) means "use <see cref="AttentionHeadDim"/>".</summary>
    public IReadOnlyList<int>? NumAttentionHeads { get; init; }
    /// <summary>Linear instead of 1×1-conv transformer projections (<c>use_linear_projection</c>; SD2: true).</summary>
    public bool UseLinearProjection { get; init; }
    /// <summary><c>upcast_attention</c> (SD2.1); scaled-dot-product attention already accumulates in float32.</summary>
    public bool UpcastAttention { get; init; }
    /// <summary>Resnet time conditioning: "default" (add) or "scale_shift".</summary>
    public string ResnetTimeScaleShift { get; init; } = "default";
    /// <summary>Override of the time-embedding width (<c>time_embedding_dim</c>; default 4 × first block width).</summary>
    public int? TimeEmbeddingDim { get; init; }
    /// <summary>Activation applied to the time embedding once (<c>time_embedding_act_fn</c>), or null.</summary>
    public string? TimeEmbeddingActFn { get; init; }
    /// <summary>Activation after <c>time_embedding.linear_2</c> (<c>timestep_post_act</c>), or null.</summary>
    public string? TimestepPostAct { get; init; }
    /// <summary><c>conv_in</c> kernel size (3).</summary>
    public int ConvInKernel { get; init; } = 3;
    /// <summary><c>conv_out</c> kernel size (3).</summary>
    public int ConvOutKernel { get; init; } = 3;

    /// <summary>The Stable Diffusion 1.5 U-Net (runwayml/stable-diffusion-v1-5 <c>unet/config.json</c>).</summary>
    public static UNet2DConditionConfig StableDiffusion15 { get; } = new();

    /// <summary>Number of resolution levels.</summary>
    public int Levels => BlockOutChannels.Count;

    /// <summary>Attention heads per down block, resolved as diffusers does: <c>num_attention_heads or attention_head_dim</c>.</summary>
    public IReadOnlyList<int> HeadsPerBlock => NumAttentionHeads ?? AttentionHeadDim;

    /// <summary>Time-embedding width (<c>time_embedding_dim</c> or 4 × first block width).</summary>
    public int TimeEmbedDim => TimeEmbeddingDim ?? BlockOutChannels[0] * 4;

    /// <summary>Checks internal consistency; throws <see cref="ArgumentException"/> naming the offending key.</summary>
    public void Validate()
    {
        int n = BlockOutChannels.Count;
        if (n == 0) throw new ArgumentException("block_out_channels must not be empty.", nameof(BlockOutChannels));
        void Len<T>(IReadOnlyList<T>? list, string key)
        {
            if (list is not null && list.Count != n)
                throw new ArgumentException($"{key} has {list.Count} entries but block_out_channels has {n}.", key);
        }
        Len(DownBlockTypes, "down_block_types");
        Len(UpBlockTypes, "up_block_types");
        Len(OnlyCrossAttention, "only_cross_attention");
        Len(LayersPerBlock, "layers_per_block");
        Len(CrossAttentionDim, "cross_attention_dim");
        Len(TransformerLayersPerBlock, "transformer_layers_per_block");
        Len(AttentionHeadDim, "attention_head_dim");
        Len(NumAttentionHeads, "num_attention_heads");
        foreach (var t in DownBlockTypes)
            if (!IsCrossAttnDown(t) && !IsPlainDown(t))
                throw new ArgumentException($"Unsupported down block type '{t}'; expected CrossAttnDownBlock2D or DownBlock2D.", "down_block_types");
        foreach (var t in UpBlockTypes)
            if (!IsCrossAttnUp(t) && !IsPlainUp(t))
                throw new ArgumentException($"Unsupported up block type '{t}'; expected CrossAttnUpBlock2D or UpBlock2D.", "up_block_types");
        if (MidBlockType is not null && MidBlockType != "UNetMidBlock2DCrossAttn" && MidBlockType != "UNetMidBlockCrossAttnMotion")
            throw new ArgumentException($"Unsupported mid block type '{MidBlockType}'; expected UNetMidBlock2DCrossAttn.", "mid_block_type");
        if (ResnetTimeScaleShift is not ("default" or "scale_shift"))
            throw new ArgumentException($"Unsupported resnet_time_scale_shift '{ResnetTimeScaleShift}'.", "resnet_time_scale_shift");
        for (int i = 0; i < n; i++)
        {
            int heads = HeadsPerBlock[i];
            if (heads <= 0 || BlockOutChannels[i] % heads != 0)
                throw new ArgumentException($"Block {i}: {BlockOutChannels[i]} channels cannot be split into {heads} heads.", "attention_head_dim");
            if (BlockOutChannels[i] % NormNumGroups != 0)
                throw new ArgumentException($"Block {i}: {BlockOutChannels[i]} channels are not divisible by norm_num_groups {NormNumGroups}.", "norm_num_groups");
        }
    }

    internal static bool IsCrossAttnDown(string t) => t is "CrossAttnDownBlock2D" or "CrossAttnDownBlockMotion";
    internal static bool IsPlainDown(string t) => t is "DownBlock2D" or "DownBlockMotion";
    internal static bool IsCrossAttnUp(string t) => t is "CrossAttnUpBlock2D" or "CrossAttnUpBlockMotion";
    internal static bool IsPlainUp(string t) => t is "UpBlock2D" or "UpBlockMotion";

    /// <summary>Reads a diffusers <c>config.json</c> (UNet2DConditionModel, or UNetMotionModel's superset of it).</summary>
    /// <exception cref="ModelLoadException">the file is missing, not JSON, or uses a switch this port does not implement.</exception>
    public static UNet2DConditionConfig FromJsonFile(string path)
    {
        return FromJson(ConfigFile.ReadText(path, "U-Net config.json"), path);
    }

    /// <summary>Parses diffusers <c>config.json</c> text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelLoadException">not JSON, wrong types, or an unsupported switch.</exception>
    public static UNet2DConditionConfig FromJson(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = new ConfigReader(doc.RootElement);
            var blocks = r.IntList("block_out_channels") ?? StableDiffusion15.BlockOutChannels;
            int n = blocks.Count;

            // Switches whose non-default values select architectures this port does not implement: refuse, never ignore.
            r.RequireNullOrDefault("class_embed_type", "num_class_embeds", "addition_embed_type", "encoder_hid_dim",
                "encoder_hid_dim_type", "time_cond_proj_dim", "projection_class_embeddings_input_dim",
                "reverse_transformer_layers_per_block");
            r.RequireValue("time_embedding_type", "positional");
            r.RequireValue("attention_type", "default");
            r.RequireFalse("dual_cross_attention", "class_embeddings_concat");

            var cfg = new UNet2DConditionConfig
            {
                SampleSize = r.OptionalInt("sample_size"),
                InChannels = r.Int("in_channels", 4),
                OutChannels = r.Int("out_channels", 4),
                CenterInputSample = r.Bool("center_input_sample", false),
                FlipSinToCos = r.Bool("flip_sin_to_cos", true),
                FreqShift = r.Double("freq_shift", 0),
                DownBlockTypes = r.StringList("down_block_types") ?? StableDiffusion15.DownBlockTypes,
                MidBlockType = r.Has("mid_block_type") ? r.OptionalString("mid_block_type") : "UNetMidBlock2DCrossAttn",
                UpBlockTypes = r.StringList("up_block_types") ?? StableDiffusion15.UpBlockTypes,
                OnlyCrossAttention = r.BoolOrList("only_cross_attention", n),
                BlockOutChannels = blocks,
                LayersPerBlock = r.IntOrList("layers_per_block", n) ?? Repeat(2, n),
                DownsamplePadding = r.Int("downsample_padding", 1),
                MidBlockScaleFactor = r.Double("mid_block_scale_factor", 1),
                Dropout = r.Double("dropout", 0),
                ActFn = r.String("act_fn", "silu"),
                NormNumGroups = r.Int("norm_num_groups", 32),
                NormEps = r.Double("norm_eps", 1e-5),
                CrossAttentionDim = r.IntOrList("cross_attention_dim", n) ?? Repeat(1280, n),
                TransformerLayersPerBlock = r.IntOrList("transformer_layers_per_block", n) ?? Repeat(1, n),
                AttentionHeadDim = r.IntOrList("attention_head_dim", n) ?? Repeat(8, n),
                NumAttentionHeads = r.IntOrList("num_attention_heads", n),
                UseLinearProjection = r.Bool("use_linear_projection", false),
                UpcastAttention = r.Bool("upcast_attention", false),
                ResnetTimeScaleShift = r.String("resnet_time_scale_shift", "default"),
                TimeEmbeddingDim = r.OptionalInt("time_embedding_dim"),
                TimeEmbeddingActFn = r.OptionalString("time_embedding_act_fn"),
                TimestepPostAct = r.OptionalString("timestep_post_act"),
                ConvInKernel = r.Int("conv_in_kernel", 3),
                ConvOutKernel = r.Int("conv_out_kernel", 3),
            };
            cfg.Validate();
            return cfg;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"Invalid or unsupported U-Net config: {ex.Message}", source, ex);
        }
    }

    private static IReadOnlyList<int> Repeat(int value, int n) => Enumerable.Repeat(value, n).ToArray();
}
