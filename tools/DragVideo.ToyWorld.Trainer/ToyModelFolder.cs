using System.Text.Json;
using System.Text.Json.Nodes;
using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// Writes the toy model in diffusers' pipeline layout (<c>model_index.json</c>, <c>vae/</c>, <c>unet/</c>,
/// <c>motion_adapter/</c>, <c>text_encoder/</c>, <c>tokenizer/</c>, <c>scheduler/</c>) so that the SDK's normal,
/// strict loaders read it exactly as they read SD1.5 + AnimateDiff.
/// </summary>
internal static class ToyModelFolder
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The components that do not train: scheduler, tokenizer (copied) and the seeded tiny CLIP text encoder.</summary>
    public static void WriteFixedComponents(string folder, string tokenizerSource, int seed)
    {
        foreach (var file in new[] { "vocab.json", "merges.txt" })
            if (!File.Exists(Path.Combine(tokenizerSource, file)))
                throw new TrainingException($"--tokenizer {tokenizerSource} lacks {file} (a CLIP tokenizer folder with vocab.json and merges.txt is expected).");
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, "model_index.json"), new JsonObject
        {
            ["_class_name"] = "AnimateDiffPipeline",
            ["_diffusers_version"] = "0.25.1",
            ["scheduler"] = new JsonArray("diffusers", "DDIMScheduler"),
            ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
            ["motion_adapter"] = new JsonArray("diffusers", "MotionAdapter"),
            ["vae"] = new JsonArray("diffusers", "AutoencoderKL"),
        });
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        WriteJson(Path.Combine(folder, "scheduler", "scheduler_config.json"), ToyModelSpec.SchedulerJson());
        string tokenizerFolder = Path.Combine(folder, "tokenizer");
        Directory.CreateDirectory(tokenizerFolder);
        if (!string.Equals(Path.GetFullPath(tokenizerSource), Path.GetFullPath(tokenizerFolder), StringComparison.Ordinal))
            foreach (var file in new[] { "vocab.json", "merges.txt" })
                File.Copy(Path.Combine(tokenizerSource, file), Path.Combine(tokenizerFolder, file), overwrite: true);

        string textFolder = Path.Combine(folder, "text_encoder");
        if (File.Exists(Path.Combine(textFolder, "model.safetensors"))) return; // the U-Net was trained on this one's embeddings
        torch.manual_seed(seed);
        var config = ToyModelSpec.Text();
        using var text = new ClipTextModel(config);
        Directory.CreateDirectory(textFolder);
        WriteJson(Path.Combine(textFolder, "config.json"), ToyModelSpec.TextJson(config));
        SafetensorsWriter.Save(Path.Combine(textFolder, "model.safetensors"), text.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
    }

    public static void WriteVae(string folder, AutoencoderKL vae, double scalingFactor)
    {
        string vaeFolder = Path.Combine(folder, "vae");
        Directory.CreateDirectory(vaeFolder);
        SafetensorsWriter.Save(Path.Combine(vaeFolder, "diffusion_pytorch_model.safetensors"), vae.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
        WriteJson(Path.Combine(vaeFolder, "config.json"), ToyModelSpec.VaeJson(ToyModelSpec.Vae(scalingFactor)));
    }

    /// <summary>Splits the video U-Net's state dict the way diffusers stores AnimateDiff: image U-Net keys in <c>unet/</c>,
    /// <c>*.motion_modules.*</c> keys (same names) in <c>motion_adapter/</c>.</summary>
    public static void WriteUnet(string folder, UNetMotionModel unet)
    {
        var all = unet.state_dict();
        var motion = all.Where(kv => kv.Key.Contains(".motion_modules.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var image = all.Where(kv => !motion.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        Directory.CreateDirectory(Path.Combine(folder, "unet"));
        Directory.CreateDirectory(Path.Combine(folder, "motion_adapter"));
        SafetensorsWriter.Save(Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors"), image, meta);
        WriteJson(Path.Combine(folder, "unet", "config.json"), ToyModelSpec.UnetJson(ToyModelSpec.Unet()));
        SafetensorsWriter.Save(Path.Combine(folder, "motion_adapter", "diffusion_pytorch_model.safetensors"), motion, meta);
        WriteJson(Path.Combine(folder, "motion_adapter", "config.json"), ToyModelSpec.MotionJson(ToyModelSpec.Motion()));
    }

    public static void WriteJson(string path, JsonNode node)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, node.ToJsonString(Indented) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
