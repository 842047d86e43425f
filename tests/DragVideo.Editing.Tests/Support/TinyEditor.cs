using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Tokenizers;
using DragVideo.Diffusion.Pipeline;
using DragVideo.Media;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Support;

/// <summary>
/// The editor's parts on the tiny fixtures (video U-Net, VAE with factor 2, 2-layer CLIP) and a real decoded clip.
/// An instance owns the models its <see cref="Builder"/> loads and disposes them with itself, so a test writes
/// <c>using var tiny = new TinyEditor();</c> before building (the editor, declared later, is disposed first).
/// </summary>
internal sealed class TinyEditor : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    /// <summary>
    /// A builder with fresh tiny parts, owned by this instance: the tiny backbone (unless <paramref name="backbone"/>
    /// replaces it, then none is loaded), scheduler, VAE codec and prompt encoder.
    /// </summary>
    public DragVideoBuilder Builder(IVideoDiffusionBackbone? backbone = null) =>
        new DragVideoBuilder()
            .UseBackbone(backbone ?? Own(TinyDiffusion.Load()))
            .UseScheduler(TinyDiffusion.Scheduler())
            .UseLatentCodec(new VaeLatentCodec(Own(LoadVae())))
            .UsePromptEncoder(Own(new TinyClipPromptEncoder()));

    /// <summary>Takes ownership of <paramref name="resource"/> (disposed with this instance, last taken first).</summary>
    public T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <summary>Disposes every owned model, last taken first.</summary>
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }

    public static AutoencoderKL LoadVae()
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.FromJsonFile(Fixtures.PathOf("vae", "config.json")));
        var weights = SafetensorsReader.Load(Fixtures.PathOf("vae", "diffusion_pytorch_model.safetensors"));
        StateDictLoader.LoadStrict(vae, weights, "fixtures/vae");
        foreach (var t in weights.Values) t.Dispose();
        vae.eval();
        return vae;
    }

    /// <summary>
    /// The tiny CLIP has a 1,000-token vocabulary, so real CLIP ids are folded into [2, 997] (bos 998, eos/pad 999):
    /// the prompt still changes the embedding, and the real tokenizer and text encoder both run.
    /// </summary>
    public sealed class TinyClipPromptEncoder : IPromptEncoder, IDisposable
    {
        private readonly ClipTextModel _model;
        private readonly ClipTokenizer _tokenizer;

        public TinyClipPromptEncoder()
        {
            _model = new ClipTextModel(ClipTextConfig.FromJsonFile(Fixtures.PathOf("clip_text", "config.json")));
            var weights = SafetensorsReader.Load(Fixtures.PathOf("clip_text", "model.safetensors"));
            foreach (var optional in ClipTextModel.OptionalStateDictKeys)
                if (weights.Remove(optional, out var dropped)) dropped.Dispose();
            StateDictLoader.LoadStrict(_model, weights, "fixtures/clip_text");
            foreach (var t in weights.Values) t.Dispose();
            _model.eval();
            _tokenizer = ClipTokenizer.FromFiles(Fixtures.PathOf("tokenizer", "vocab.json"), Fixtures.PathOf("tokenizer", "merges.txt"));
        }

        public Tensor Encode(string prompt, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = _tokenizer.Encode(prompt);
            var folded = new long[77];
            Array.Fill(folded, 999L);
            folded[0] = 998;
            for (int i = 1; i < Math.Min(ids.Length - 1, 76); i++) folded[i] = 2 + ids[i] % 996;
            using var noGrad = no_grad();
            using var input = tensor(folded, new long[] { 1, 77 });
            using var output = _model.Encode(input);
            return output.LastHiddenState.clone();
        }

        public void Dispose() => _model.Dispose();
    }

    /// <summary>Small settings so an end-to-end edit takes seconds: every stage still runs.</summary>
    public static void Quick(DragVideoOptions o)
    {
        o.Lora = o.Lora with { Steps = 3, BatchFrames = 3, Adapters = o.Lora.Adapters with { Rank = 4 } };
        o.Inversion = o.Inversion with { InferenceSteps = 10, Strength = 0.5 };
        o.Drag = o.Drag with { Steps = 3 };
    }

    /// <summary>Four 64×64 frames of OpenCV's vtest.avi (pedestrians), decoded by ffmpeg.</summary>
    public static VideoClip RealClip() =>
        VideoReader.Read("/usr/share/doc/opencv-doc/examples/data/vtest.avi",
            new VideoReadOptions { Kps = 6, MaxFrames = 4, Width = 64, Height = 64 });

    public static DragRequest Request(int frames) => new(new[]
    {
        new KeyframeDrag(0, new[] { new DragPair(new(24, 30), new(34, 30)) },
            BinaryMask.FromFunction(64, 64, (x, y) => x >= 12 && x <= 46 && y >= 16 && y <= 44)),
        new KeyframeDrag(frames - 1, new[] { new DragPair(new(26, 30), new(36, 30)) },
            BinaryMask.FromFunction(64, 64, (x, y) => x >= 12 && x <= 46 && y >= 16 && y <= 44)),
    });
}
