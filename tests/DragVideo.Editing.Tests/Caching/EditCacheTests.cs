using DragVideo.Editing;
using DragVideo.Editing.Caching;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Caching;

public class EditCacheTests
{
    public EditCacheTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Memory_entries_are_copies_and_the_least_recently_used_is_dropped_first()
    {
        using var cache = new EditCache(new EditCacheOptions { MaxMemoryEntries = 2 });
        using var a = arange(6f);
        cache.Put("a", new Dictionary<string, Tensor> { ["x"] = a });
        a.add_(100); // the caller's tensor changes; the cached copy must not
        cache.Put("b", new Dictionary<string, Tensor> { ["x"] = ones(2) });
        cache.TryGet("a", out var hit, out _).Should().BeTrue();
        hit["x"].sum().item<float>().Should().Be(15);
        foreach (var t in hit.Values) t.Dispose();
        cache.Put("c", new Dictionary<string, Tensor> { ["x"] = zeros(1) }); // "b" is now the least recently used
        cache.TryGet("b", out _, out _).Should().BeFalse();
        cache.TryGet("a", out var again, out _).Should().BeTrue();
        foreach (var t in again.Values) t.Dispose();
        cache.MemoryCount.Should().Be(2);
    }

    [Fact]
    public void Disk_entries_survive_a_new_cache_instance_with_metadata()
    {
        using var tmp = new TempFolder("dv-cache-");
        var dir = tmp.Path;
        {
            using (var first = new EditCache(new EditCacheOptions { Directory = dir }))
                first.Put("k1", new Dictionary<string, Tensor> { ["latent"] = arange(24f).view(1, 2, 3, 4) },
                    new Dictionary<string, string> { ["kind"] = "inverted-latent" });
            Directory.GetFiles(dir).Should().ContainSingle().Which.Should().EndWith("k1.safetensors");
            using var second = new EditCache(new EditCacheOptions { Directory = dir });
            second.TryGet("k1", out var hit, out var meta).Should().BeTrue();
            meta["kind"].Should().Be("inverted-latent");
            using var expected = arange(24f).view(1, 2, 3, 4);
            TensorAssert.MaxAbsDiff(hit["latent"], expected).Should().Be(0);
            foreach (var t in hit.Values) t.Dispose();
        }
    }

    [Fact]
    public void Cache_keys_change_with_any_pixel_and_with_part_boundaries()
    {
        using var a = zeros(2, 3, 4, 4);
        using var b = zeros(2, 3, 4, 4);
        CacheKey.OfTensor(a).Should().Be(CacheKey.OfTensor(b));
        b[1, 2, 3, 3] = tensor(1e-6f);
        CacheKey.OfTensor(a).Should().NotBe(CacheKey.OfTensor(b));
        CacheKey.Combine("ab", "c").Should().NotBe(CacheKey.Combine("a", "bc"));
    }
}
