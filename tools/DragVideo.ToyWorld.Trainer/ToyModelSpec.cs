using System.Text.Json.Nodes;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Modules.Vae;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// The toy model's architecture: SD1.5's topology scaled down for 64² clips. VAE: 3 levels (4× down) to 16×16×4
/// latents. U-Net: SD1.5's four levels (CrossAttnDown ×3 + Down, Up + CrossAttnUp ×3), two layers per block, motion
/// modules in every block and the mid block, cross-attention kept (dim 32 = the tiny CLIP's width). One source of truth:
/// the configs built here are written to config.json and read back by the normal loaders.
/// </summary>
internal static class ToyModelSpec
{
    public const int Width = 64, Height = 64, Frames = 16;

    public static AutoencoderKLConfig Vae(double scalingFactor = 1.0) => new()
    {
        DownBlockTypes = new[] { "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D" },
        UpBlockTypes = new[] { "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D" },
        BlockOutChannels = new[] { 32, 64, 64 },
        LayersPerBlock = 1,
        NormNumGroups = 8,
        SampleSize = Width,
        ScalingFactor = scalingFactor,
    };

    public static readonly int[] UnetChannels = { 32, 64, 64, 64 };

    public static UNet2DConditionConfig Unet() => new()
    {
        SampleSize = Width / 4,
        BlockOutChannels = UnetChannels,
        LayersPerBlock = new[] { 2, 2, 2, 2 },
        NormNumGroups = 8,
        CrossAttentionDim = new[] { 32, 32, 32, 32 },
        AttentionHeadDim = new[] { 4, 4, 4, 4 },
    };

    public static MotionAdapterConfig Motion() => new()
    {
        BlockOutChannels = UnetChannels,
        MotionLayersPerBlock = 2,
        MotionMidBlockLayersPerBlock = 1,
        MotionNumAttentionHeads = 2,
        MotionNormNumGroups = 8,
        MotionMaxSeqLength = 32,
        UseMotionMidBlock = true,
    };

    /// <summary>A tiny CLIP text model over the full CLIP vocabulary (so the real tokenizer works); it is not trained:
    /// the U-Net learns its fixed prompt embeddings.</summary>
    public static ClipTextConfig Text() => new()
    {
        VocabSize = 49408,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        MaxPositionEmbeddings = 77,
        BosTokenId = 49406,
        EosTokenId = 49407,
        PadTokenId = 49407,
    };

    public static JsonObject VaeJson(AutoencoderKLConfig c) => new()
    {
        ["_class_name"] = "AutoencoderKL",
        ["_diffusers_version"] = "0.25.1",
        ["act_fn"] = c.ActFn,
        ["block_out_channels"] = Ints(c.BlockOutChannels),
        ["down_block_types"] = Strings(c.DownBlockTypes),
        ["force_upcast"] = true,
        ["in_channels"] = c.InChannels,
        ["latent_channels"] = c.LatentChannels,
        ["layers_per_block"] = c.LayersPerBlock,
        ["norm_num_groups"] = c.NormNumGroups,
        ["out_channels"] = c.OutChannels,
        ["sample_size"] = c.SampleSize,
        ["scaling_factor"] = c.ScalingFactor,
        ["up_block_types"] = Strings(c.UpBlockTypes),
    };

    public static JsonObject UnetJson(UNet2DConditionConfig c) => new()
    {
        ["_class_name"] = "UNet2DConditionModel",
        ["_diffusers_version"] = "0.25.1",
        ["act_fn"] = c.ActFn,
        ["attention_head_dim"] = c.AttentionHeadDim[0],
        ["block_out_channels"] = Ints(c.BlockOutChannels),
        ["center_input_sample"] = false,
        ["cross_attention_dim"] = c.CrossAttentionDim[0],
        ["down_block_types"] = Strings(c.DownBlockTypes),
        ["downsample_padding"] = c.DownsamplePadding,
        ["flip_sin_to_cos"] = c.FlipSinToCos,
        ["freq_shift"] = 0,
        ["in_channels"] = c.InChannels,
        ["layers_per_block"] = c.LayersPerBlock[0],
        ["mid_block_scale_factor"] = 1,
        ["mid_block_type"] = c.MidBlockType,
        ["norm_eps"] = c.NormEps,
        ["norm_num_groups"] = c.NormNumGroups,
        ["out_channels"] = c.OutChannels,
        ["sample_size"] = c.SampleSize,
        ["transformer_layers_per_block"] = 1,
        ["up_block_types"] = Strings(c.UpBlockTypes),
        ["upcast_attention"] = false,
        ["use_linear_projection"] = false,
    };

    public static JsonObject MotionJson(MotionAdapterConfig c) => new()
    {
        ["_class_name"] = "MotionAdapter",
        ["_diffusers_version"] = "0.25.1",
        ["block_out_channels"] = Ints(c.BlockOutChannels),
        ["motion_layers_per_block"] = c.MotionLayersPerBlock,
        ["motion_max_seq_length"] = c.MotionMaxSeqLength,
        ["motion_mid_block_layers_per_block"] = c.MotionMidBlockLayersPerBlock,
        ["motion_norm_num_groups"] = c.MotionNormNumGroups,
        ["motion_num_attention_heads"] = c.MotionNumAttentionHeads,
        ["use_motion_mid_block"] = c.UseMotionMidBlock,
    };

    public static JsonObject TextJson(ClipTextConfig c) => new()
    {
        ["architectures"] = new JsonArray("CLIPTextModel"),
        ["attention_dropout"] = 0.0,
        ["bos_token_id"] = c.BosTokenId,
        ["eos_token_id"] = c.EosTokenId,
        ["pad_token_id"] = c.PadTokenId,
        ["hidden_act"] = c.HiddenAct,
        ["hidden_size"] = c.HiddenSize,
        ["intermediate_size"] = c.IntermediateSize,
        ["layer_norm_eps"] = c.LayerNormEps,
        ["max_position_embeddings"] = c.MaxPositionEmbeddings,
        ["model_type"] = "clip_text_model",
        ["num_attention_heads"] = c.NumAttentionHeads,
        ["num_hidden_layers"] = c.NumHiddenLayers,
        ["projection_dim"] = c.HiddenSize,
        ["torch_dtype"] = "float32",
        ["vocab_size"] = c.VocabSize,
    };

    /// <summary>SD1.5's DDIM configuration (diffusers' scheduler_config.json for runwayml/stable-diffusion-v1-5).</summary>
    public static JsonObject SchedulerJson() => new()
    {
        ["_class_name"] = "DDIMScheduler",
        ["_diffusers_version"] = "0.25.1",
        ["beta_end"] = 0.012,
        ["beta_schedule"] = "scaled_linear",
        ["beta_start"] = 0.00085,
        ["clip_sample"] = false,
        ["num_train_timesteps"] = 1000,
        ["prediction_type"] = "epsilon",
        ["set_alpha_to_one"] = false,
        ["steps_offset"] = 1,
        ["timestep_spacing"] = "leading",
        ["trained_betas"] = null,
    };

    private static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());
}
