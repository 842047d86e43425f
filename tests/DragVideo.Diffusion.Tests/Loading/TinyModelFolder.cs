using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

/// <summary>Assembles a diffusers pipeline folder from the tiny fixtures (the fixtures ship components, not a pipeline).</summary>
internal static class TinyModelFolder
{
    public static string Create(TempDir dir, bool fp16 = false)
    {
        string root = Path.Combine(dir.Path, "tiny-sd");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "model_index.json"),
            "{\"_class_name\":\"StableDiffusionPipeline\",\"unet\":[\"diffusers\",\"UNet2DConditionModel\"],\"vae\":[\"diffusers\",\"AutoencoderKL\"]," +
            "\"text_encoder\":[\"transformers\",\"CLIPTextModel\"],\"tokenizer\":[\"transformers\",\"CLIPTokenizer\"],\"scheduler\":[\"diffusers\",\"DDIMScheduler\"]}");
        Component(root, "unet", "unet2d", "diffusion_pytorch_model", fp16);
        Component(root, "vae", "vae", "diffusion_pytorch_model", fp16);
        Component(root, "text_encoder", "clip_text", "model", fp16);
        Component(root, "motion_adapter", Path.Combine("motion", "motion_adapter"), "diffusion_pytorch_model", fp16);
        Directory.CreateDirectory(Path.Combine(root, "tokenizer"));
        File.Copy(Fixtures.PathOf("tokenizer", "vocab.json"), Path.Combine(root, "tokenizer", "vocab.json"));
        File.Copy(Fixtures.PathOf("tokenizer", "merges.txt"), Path.Combine(root, "tokenizer", "merges.txt"));
        Directory.CreateDirectory(Path.Combine(root, "scheduler"));
        File.Copy(Fixtures.PathOf("ddim", "scheduler_config.json"), Path.Combine(root, "scheduler", "scheduler_config.json"));
        return root;
    }

    private static void Component(string root, string name, string fixture, string stem, bool fp16)
    {
        string dest = Path.Combine(root, name);
        Directory.CreateDirectory(dest);
        File.Copy(Fixtures.PathOf(fixture, "config.json"), Path.Combine(dest, "config.json"));
        string src = Fixtures.PathOf(fixture, stem + ".safetensors");
        if (!fp16)
        {
            File.Copy(src, Path.Combine(dest, stem + ".safetensors"));
            return;
        }
        var tensors = SafetensorsReader.Load(src, ScalarType.Float16);
        try
        {
            SafetensorsWriter.Save(Path.Combine(dest, stem + ".fp16.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
