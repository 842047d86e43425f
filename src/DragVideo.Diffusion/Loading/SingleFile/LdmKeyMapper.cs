using System.Globalization;
using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Maps original Stable Diffusion 1.x (CompVis / LDM) checkpoint names to diffusers / transformers names — the
/// mapping diffusers' <c>convert_from_ckpt.py</c> (v0.25.1) applies for <c>from_single_file</c>. Level count and
/// resnets per level are read from the keys, never assumed, so it works for SD1.5 (4 levels) and tiny test models.
/// </summary>
/// <remarks>
/// U-Net (<c>model.diffusion_model.</c>): <c>time_embed.{0,2}</c> → <c>time_embedding.linear_{1,2}</c>;
/// <c>input_blocks.0.0</c> → <c>conv_in</c>; <c>input_blocks.{(L+1)i+j+1}.{0,1}</c> → <c>down_blocks.i.{resnets,attentions}.j</c>;
/// <c>input_blocks.{(L+1)(i+1)}.0.op</c> → <c>down_blocks.i.downsamplers.0.conv</c>; <c>middle_block.{0,1,2}</c> →
/// <c>mid_block.{resnets.0, attentions.0, resnets.1}</c>; <c>output_blocks.{(L+1)i+j}.{0,1}</c> →
/// <c>up_blocks.i.{resnets,attentions}.j</c>, and the upsampler <c>output_blocks.{(L+1)i+L}.{1|2}.conv</c> →
/// <c>up_blocks.i.upsamplers.0.conv</c>; <c>out.{0,2}</c> → <c>conv_norm_out</c>/<c>conv_out</c>. Inside resnets
/// <c>in_layers.{0,2}</c> → <c>norm1/conv1</c>, <c>emb_layers.1</c> → <c>time_emb_proj</c>, <c>out_layers.{0,3}</c> →
/// <c>norm2/conv2</c>, <c>skip_connection</c> → <c>conv_shortcut</c>; transformer names are shared.
/// VAE (<c>first_stage_model.</c>): <c>{encoder,decoder}.norm_out</c> → <c>conv_norm_out</c>; <c>encoder.down.i.block.j</c>
/// → <c>encoder.down_blocks.i.resnets.j</c>; <c>encoder.down.i.downsample.conv</c> → <c>…downsamplers.0.conv</c>;
/// <c>decoder.up.(N−1−i)</c> → <c>decoder.up_blocks.i</c> (LDM counts decoder levels from the bottom);
/// <c>mid.block_{1,2}</c> → <c>mid_block.resnets.{0,1}</c>; <c>mid.attn_1.{norm,q,k,v,proj_out}</c> →
/// <c>mid_block.attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}</c> (1×1-conv weights become Linear);
/// <c>nin_shortcut</c> → <c>conv_shortcut</c>. CLIP (<c>cond_stage_model.transformer.</c>): the prefix is removed
/// (and <c>text_model.</c> added for very old files that lack it).
/// </remarks>
internal static partial class LdmKeyMapper
{
    /// <summary>U-Net prefix in LDM checkpoints.</summary>
    public const string UnetPrefix = "model.diffusion_model.";

    /// <summary>VAE prefix in LDM checkpoints.</summary>
    public const string VaePrefix = "first_stage_model.";

    /// <summary>CLIP text-encoder prefix in SD1.x LDM checkpoints.</summary>
    public const string TextEncoderPrefix = "cond_stage_model.transformer.";

    // LatentDiffusion's registered DDPM buffers: training-time schedule, not weights of any diffusers model.
    private static readonly HashSet<string> DdpmBuffers = new(StringComparer.Ordinal)
    {
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
        "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "model_ema.decay",
        "model_ema.num_updates",
    };

    /// <summary>True when the keys look like an SD1.x LDM single-file checkpoint (they hold U-Net keys under the LDM prefix).</summary>
    /// <param name="keys">Checkpoint keys.</param>
    public static bool LooksLikeLdm(IEnumerable<string> keys) => keys.Any(k => k.StartsWith(UnetPrefix, StringComparison.Ordinal));

    /// <summary>
    /// Builds the rename plan from the checkpoint's keys and shapes. Throws <see cref="ModelLoadException"/> when the
    /// U-Net or VAE block structure is inconsistent (for example a level count that does not divide the block count).
    /// </summary>
    /// <param name="shapes">Checkpoint key → shape.</param>
    /// <param name="options">Conversion options (EMA choice).</param>
    /// <param name="source">File named in error messages.</param>
    public static LdmKeyMap Map(IReadOnlyDictionary<string, long[]> shapes, LdmConversionOptions? options = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        options ??= new LdmConversionOptions();
        var mappings = new List<LdmKeyMapping>();
        var ignored = new List<string>();
        var unmapped = new List<string>();

        bool useEma = options.UseEma && shapes.Keys.Count(k => k.StartsWith("model_ema.", StringComparison.Ordinal)) > 100;
        var unetKeys = shapes.Keys.Where(k => k.StartsWith(UnetPrefix, StringComparison.Ordinal))
            .ToDictionary(k => k[UnetPrefix.Length..], k => k, StringComparer.Ordinal);
        var vaeKeys = shapes.Keys.Where(k => k.StartsWith(VaePrefix, StringComparison.Ordinal))
            .ToDictionary(k => k[VaePrefix.Length..], k => k, StringComparer.Ordinal);

        var unetLayout = unetKeys.Count == 0 ? null : ReadUnetLayout(unetKeys.ToDictionary(kv => kv.Key, kv => shapes[kv.Value]), source);
        var vaeLayout = vaeKeys.Count == 0 ? null : ReadVaeLayout(vaeKeys.ToDictionary(kv => kv.Key, kv => shapes[kv.Value]), source);
        var emaSources = new HashSet<string>(StringComparer.Ordinal);

        foreach (var key in shapes.Keys)
        {
            if (key.StartsWith(UnetPrefix, StringComparison.Ordinal))
            {
                string rest = key[UnetPrefix.Length..];
                string? target = MapUnet(rest, unetLayout!.LayersPerBlock);
                if (target is null) { unmapped.Add(key); continue; }
                string src = key;
                if (useEma)
                {
                    // diffusers: the EMA copy stores "model.diffusion_model.a.b" as "model_ema.diffusion_modelab".
                    string flat = "model_ema." + string.Concat(key.Split('.').Skip(1));
                    if (shapes.ContainsKey(flat)) { src = flat; emaSources.Add(flat); ignored.Add(key); }
                }
                mappings.Add(new LdmKeyMapping(src, LdmComponent.Unet, target, false));
            }
            else if (key.StartsWith(VaePrefix, StringComparison.Ordinal))
            {
                string rest = key[VaePrefix.Length..];
                var target = MapVae(rest, vaeLayout!.Levels);
                if (target is null) { unmapped.Add(key); continue; }
                bool convToLinear = target.Value.Attention && rest.EndsWith(".weight", StringComparison.Ordinal) && shapes[key].Length == 4;
                mappings.Add(new LdmKeyMapping(key, LdmComponent.Vae, target.Value.Name, convToLinear));
            }
            else if (key.StartsWith(TextEncoderPrefix, StringComparison.Ordinal))
            {
                string rest = key[TextEncoderPrefix.Length..];
                if (!rest.StartsWith("text_model.", StringComparison.Ordinal)) rest = "text_model." + rest;
                mappings.Add(new LdmKeyMapping(key, LdmComponent.TextEncoder, rest, false));
            }
            else if (DdpmBuffers.Contains(key) || key.StartsWith("model_ema.", StringComparison.Ordinal))
            {
                if (!emaSources.Contains(key)) ignored.Add(key);
            }
            else
            {
                unmapped.Add(key);
            }
        }
        // EMA sources seen before their model.* twin were added to ignored above; take them back out.
        ignored.RemoveAll(emaSources.Contains);

        var duplicates = mappings.GroupBy(m => (m.Component, m.Target)).Where(g => g.Count() > 1).Select(g => string.Join(" & ", g.Select(m => m.Source))).ToList();
        if (duplicates.Count > 0)
            throw new ModelLoadException($"Several checkpoint keys map to the same parameter: {string.Join("; ", duplicates.Take(10))}.", source);
        return new LdmKeyMap(mappings, ignored, unmapped, unetLayout, vaeLayout);
    }

    [GeneratedRegex(@"^input_blocks\.(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex InputBlock();

    [GeneratedRegex(@"^output_blocks\.(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex OutputBlock();

    [GeneratedRegex(@"^middle_block\.(\d+)\.(.+)$")]
    private static partial Regex MiddleBlock();

    private static int Int(Group g) => int.Parse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The diffusers name of one U-Net key (prefix removed), or null when no rule applies.</summary>
    internal static string? MapUnet(string key, int layersPerBlock)
    {
        int per = layersPerBlock + 1;
        if (Swap(key, "time_embed.0.", "time_embedding.linear_1.") is { } t1) return t1;
        if (Swap(key, "time_embed.2.", "time_embedding.linear_2.") is { } t2) return t2;
        if (Swap(key, "input_blocks.0.0.", "conv_in.") is { } ci) return ci;
        if (Swap(key, "out.0.", "conv_norm_out.") is { } no) return no;
        if (Swap(key, "out.2.", "conv_out.") is { } co) return co;

        var m = InputBlock().Match(key);
        if (m.Success)
        {
            int k = Int(m.Groups[1]), sub = Int(m.Groups[2]);
            string rest = m.Groups[3].Value;
            if (k == 0) return null;
            int level = (k - 1) / per, j = (k - 1) % per;
            if (j < layersPerBlock)
            {
                return sub switch
                {
                    0 => Resnet(rest) is { } r ? $"down_blocks.{level}.resnets.{j}.{r}" : null,
                    1 => $"down_blocks.{level}.attentions.{j}.{rest}",
                    _ => null,
                };
            }
            return sub == 0 && Swap(rest, "op.", "conv.") is { } op ? $"down_blocks.{level}.downsamplers.0.{op}" : null;
        }

        m = MiddleBlock().Match(key);
        if (m.Success)
        {
            string rest = m.Groups[2].Value;
            return Int(m.Groups[1]) switch
            {
                0 => Resnet(rest) is { } r0 ? "mid_block.resnets.0." + r0 : null,
                1 => "mid_block.attentions.0." + rest,
                2 => Resnet(rest) is { } r2 ? "mid_block.resnets.1." + r2 : null,
                _ => null,
            };
        }

        m = OutputBlock().Match(key);
        if (m.Success)
        {
            int k = Int(m.Groups[1]), sub = Int(m.Groups[2]);
            string rest = m.Groups[3].Value;
            int level = k / per, j = k % per;
            if (sub == 0)
                return Resnet(rest) is { } r ? $"up_blocks.{level}.resnets.{j}.{r}" : null;
            // The upsampler follows the last resnet (and its attention, when the level has one).
            if (rest.StartsWith("conv.", StringComparison.Ordinal))
                return j == layersPerBlock && sub is 1 or 2 ? $"up_blocks.{level}.upsamplers.0.{rest}" : null;
            return sub == 1 ? $"up_blocks.{level}.attentions.{j}.{rest}" : null;
        }
        return null;
    }

    private static string? Resnet(string rest) =>
        Swap(rest, "in_layers.0.", "norm1.") ?? Swap(rest, "in_layers.2.", "conv1.") ?? Swap(rest, "emb_layers.1.", "time_emb_proj.")
        ?? Swap(rest, "out_layers.0.", "norm2.") ?? Swap(rest, "out_layers.3.", "conv2.") ?? Swap(rest, "skip_connection.", "conv_shortcut.");

    private static string? Swap(string key, string from, string to) =>
        key.StartsWith(from, StringComparison.Ordinal) ? to + key[from.Length..] : null;

    [GeneratedRegex(@"^(encoder|decoder)\.(down|up)\.(\d+)\.(block\.(\d+)|downsample|upsample)\.(.+)$")]
    private static partial Regex VaeLevel();

    [GeneratedRegex(@"^(encoder|decoder)\.mid\.(block_1|block_2|attn_1)\.(.+)$")]
    private static partial Regex VaeMid();

    /// <summary>The diffusers name of one VAE key (prefix removed), or null when no rule applies.</summary>
    internal static (string Name, bool Attention)? MapVae(string key, int levels)
    {
        foreach (var part in new[] { "encoder.", "decoder." })
        {
            if (key == part + "conv_in.weight" || key == part + "conv_in.bias" || key == part + "conv_out.weight" || key == part + "conv_out.bias")
                return (key, false);
            if (Swap(key, part + "norm_out.", part + "conv_norm_out.") is { } n) return (n, false);
        }
        foreach (var top in new[] { "quant_conv.", "post_quant_conv." })
            if (key.StartsWith(top, StringComparison.Ordinal) && key.Count(c => c == '.') == 1) return (key, false);

        var m = VaeLevel().Match(key);
        if (m.Success)
        {
            string coder = m.Groups[1].Value, dir = m.Groups[2].Value, what = m.Groups[4].Value, rest = m.Groups[6].Value;
            int index = Int(m.Groups[3]);
            if ((coder == "encoder") != (dir == "down")) return null;
            int level = coder == "encoder" ? index : levels - 1 - index;
            string blocks = coder == "encoder" ? "down_blocks" : "up_blocks";
            if (level < 0) return null;
            if (m.Groups[5].Success)
                return VaeResnet(rest) is { } r ? ($"{coder}.{blocks}.{level}.resnets.{Int(m.Groups[5])}.{r}", false) : null;
            bool sampler = (what == "downsample" && coder == "encoder") || (what == "upsample" && coder == "decoder");
            return sampler && rest.StartsWith("conv.", StringComparison.Ordinal)
                ? ($"{coder}.{blocks}.{level}.{(coder == "encoder" ? "downsamplers" : "upsamplers")}.0.{rest}", false)
                : null;
        }

        m = VaeMid().Match(key);
        if (m.Success)
        {
            string coder = m.Groups[1].Value, rest = m.Groups[3].Value;
            switch (m.Groups[2].Value)
            {
                case "block_1": return VaeResnet(rest) is { } r1 ? ($"{coder}.mid_block.resnets.0.{r1}", false) : null;
                case "block_2": return VaeResnet(rest) is { } r2 ? ($"{coder}.mid_block.resnets.1.{r2}", false) : null;
                default:
                    string? a = Swap(rest, "norm.", "group_norm.") ?? Swap(rest, "q.", "to_q.") ?? Swap(rest, "k.", "to_k.")
                                ?? Swap(rest, "v.", "to_v.") ?? Swap(rest, "proj_out.", "to_out.0.");
                    return a is null ? null : ($"{coder}.mid_block.attentions.0.{a}", !a.StartsWith("group_norm.", StringComparison.Ordinal));
            }
        }
        return null;
    }

    private static string? VaeResnet(string rest) =>
        rest.StartsWith("norm1.", StringComparison.Ordinal) || rest.StartsWith("norm2.", StringComparison.Ordinal)
        || rest.StartsWith("conv1.", StringComparison.Ordinal) || rest.StartsWith("conv2.", StringComparison.Ordinal)
            ? rest
            : Swap(rest, "nin_shortcut.", "conv_shortcut.");

    private static LdmUnetLayout ReadUnetLayout(Dictionary<string, long[]> unet, string? source)
    {
        var input = unet.Keys.Select(k => InputBlock().Match(k)).Where(m => m.Success).ToList();
        var output = unet.Keys.Select(k => OutputBlock().Match(k)).Where(m => m.Success).ToList();
        if (input.Count == 0 || output.Count == 0)
            throw new ModelLoadException("The checkpoint's U-Net has no input_blocks / output_blocks keys; it is not an SD1.x LDM U-Net.", source);
        int maxInput = input.Max(m => Int(m.Groups[1]));
        int maxOutput = output.Max(m => Int(m.Groups[1]));
        // The first downsampler sits right after level 0's resnets: its index is layers_per_block + 1.
        var ops = input.Where(m => m.Groups[3].Value.StartsWith("op.", StringComparison.Ordinal)).Select(m => Int(m.Groups[1])).ToList();
        int per = ops.Count > 0 ? ops.Min() : maxInput + 1;
        int layers = per - 1;
        if (layers < 1 || (maxInput + 1) % per != 0 || maxOutput + 1 != maxInput + 1)
            throw new ModelLoadException($"Inconsistent U-Net block structure: input_blocks 0..{maxInput}, output_blocks 0..{maxOutput}, first downsampler at input_blocks.{per}.", source);
        int levels = (maxInput + 1) / per;

        var channels = new List<int>();
        var down = new List<bool>();
        var up = new List<bool>();
        for (int i = 0; i < levels; i++)
        {
            string conv2 = $"input_blocks.{i * per + 1}.0.out_layers.3.weight";
            if (!unet.TryGetValue(conv2, out var shape) || shape.Length != 4)
                throw new ModelLoadException($"The U-Net key model.diffusion_model.{conv2} is missing or not a 4-D convolution weight.", source);
            channels.Add(checked((int)shape[0]));
            down.Add(unet.Keys.Any(k => k.StartsWith($"input_blocks.{i * per + 1}.1.", StringComparison.Ordinal)));
            up.Add(unet.Keys.Any(k => k.StartsWith($"output_blocks.{i * per}.1.", StringComparison.Ordinal) && !k.StartsWith($"output_blocks.{i * per}.1.conv.", StringComparison.Ordinal)));
        }

        int inCh = unet.TryGetValue("input_blocks.0.0.weight", out var cin) ? (int)cin[1] : 4;
        int outCh = unet.TryGetValue("out.2.weight", out var cout) ? (int)cout[0] : 4;
        var toK = unet.FirstOrDefault(kv => kv.Key.EndsWith("attn2.to_k.weight", StringComparison.Ordinal));
        int? cross = toK.Value is { Length: 2 } s ? (int)s[1] : null;
        var depthKeys = unet.Keys.Where(k => k.Contains(".transformer_blocks.", StringComparison.Ordinal) && k.StartsWith("input_blocks.", StringComparison.Ordinal))
            .Select(k => k.Split(".transformer_blocks.")[1].Split('.')[0]).Distinct().Count();
        var projIn = unet.FirstOrDefault(kv => kv.Key.EndsWith(".proj_in.weight", StringComparison.Ordinal));
        bool linear = projIn.Value is { Length: 2 };
        return new LdmUnetLayout(channels, layers, down, up, inCh, outCh, cross, Math.Max(1, depthKeys), linear);
    }

    private static LdmVaeLayout ReadVaeLayout(Dictionary<string, long[]> vae, string? source)
    {
        var levelsEnc = vae.Keys.Select(k => VaeLevel().Match(k)).Where(m => m.Success && m.Groups[1].Value == "encoder").ToList();
        var levelsDec = vae.Keys.Select(k => VaeLevel().Match(k)).Where(m => m.Success && m.Groups[1].Value == "decoder").ToList();
        if (levelsEnc.Count == 0 || levelsDec.Count == 0)
            throw new ModelLoadException("The checkpoint's VAE has no encoder.down / decoder.up keys; it is not an LDM AutoencoderKL.", source);
        int levels = levelsEnc.Max(m => Int(m.Groups[3])) + 1;
        int decLevels = levelsDec.Max(m => Int(m.Groups[3])) + 1;
        if (levels != decLevels)
            throw new ModelLoadException($"The VAE encoder has {levels} levels but the decoder {decLevels}.", source);
        int layers = levelsEnc.Where(m => Int(m.Groups[3]) == 0 && m.Groups[5].Success).Select(m => Int(m.Groups[5])).Distinct().Count();
        var channels = new List<int>();
        for (int i = 0; i < levels; i++)
        {
            string conv2 = $"encoder.down.{i}.block.0.conv2.weight";
            if (!vae.TryGetValue(conv2, out var shape) || shape.Length != 4)
                throw new ModelLoadException($"The VAE key first_stage_model.{conv2} is missing or not a 4-D convolution weight.", source);
            channels.Add(checked((int)shape[0]));
        }
        int inCh = vae.TryGetValue("encoder.conv_in.weight", out var ci) ? (int)ci[1] : 3;
        int outCh = vae.TryGetValue("decoder.conv_out.weight", out var co) ? (int)co[0] : 3;
        int latent = vae.TryGetValue("post_quant_conv.weight", out var pq) ? (int)pq[0] : 4;
        return new LdmVaeLayout(channels, layers, inCh, outCh, latent);
    }
}
