namespace Milter.Testing;

/// <summary>
/// What a fixture or a stack has started (processes, rigs, servers), disposed last first: a rig goes before the
/// milter it points at, the DNS server the milter asks goes last. Each is disposed even when an earlier one throws;
/// the first failure is rethrown once all are done.
/// </summary>
public sealed class OwnedResources : IAsyncDisposable
{
    private readonly Stack<object> _owned = new();

    /// <summary>
    /// Takes <paramref name="resource"/> (an <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>) and returns it.
    /// Named <c>Add</c> as a collection's is: the analyzers (CA2000, NUnit1032) read <c>x = owner.Add(created)</c> as a
    /// transfer of ownership, so a fixture's field assigned this way needs no disposal of its own.
    /// </summary>
    public T Add<T>(T resource)
        where T : class
    {
        if (resource is not (IAsyncDisposable or IDisposable))
        {
            throw new ArgumentException($"{typeof(T).Name} is not disposable", nameof(resource));
        }

        lock (_owned)
        {
            _owned.Push(resource);
        }

        return resource;
    }

    public async ValueTask DisposeAsync()
    {
        Exception? first = null;
        while (Next() is { } resource)
        {
            try
            {
                if (resource is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    ((IDisposable)resource).Dispose();
                }
            }
            catch (Exception ex)
            {
                first ??= ex;
            }
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private object? Next()
    {
        lock (_owned)
        {
            return _owned.TryPop(out object? resource) ? resource : null;
        }
    }
}
