using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

/// <summary>The tensors of <c>fixtures/ddim/ddim.safetensors</c>, read once.</summary>
internal static class DdimFixture
{
    private static readonly Lazy<Dictionary<string, Tensor>> Lazy = new(() =>
        SafetensorsReader.Load(Fixtures.PathOf("ddim", "ddim.safetensors")));

    public static Tensor Get(string name) => Lazy.Value.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException(name);
}
