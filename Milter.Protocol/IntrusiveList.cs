namespace Milter.Protocol;

/// <summary>An item that carries its own links in an <see cref="IntrusiveList{T}"/> (it can be in one such list).</summary>
internal interface IListLinks<T>
    where T : class
{
    T? Previous { get; set; }

    T? Next { get; set; }

    bool Linked { get; set; }
}

/// <summary>
/// A doubly linked list threaded through its items (two references and a flag each) instead of a collection's
/// entries: what the listener's open connections and the read deadlines' watched sessions are kept in, so that an
/// idle connection costs no dictionary or set entry. Not thread-safe: the owner holds its lock around every call.
/// </summary>
internal sealed class IntrusiveList<T>
    where T : class, IListLinks<T>
{
    public T? First { get; private set; }

    public int Count { get; private set; }

    /// <summary>Links <paramref name="item"/> in first; false (and nothing changes) when it is linked already.</summary>
    public bool Add(T item)
    {
        if (item.Linked)
        {
            return false;
        }

        item.Linked = true;
        item.Next = First;
        First?.Previous = item;
        First = item;
        Count++;
        return true;
    }

    /// <summary>Takes <paramref name="item"/> out; false when it was not linked (already removed).</summary>
    public bool Remove(T item)
    {
        if (!item.Linked)
        {
            return false;
        }

        if (item.Previous is { } previous)
        {
            previous.Next = item.Next;
        }
        else
        {
            First = item.Next;
        }

        item.Next?.Previous = item.Previous;
        item.Previous = null;
        item.Next = null;
        item.Linked = false;
        Count--;
        return true;
    }

    /// <summary>The items, first to last, in a new array.</summary>
    public T[] ToArray()
    {
        var items = new T[Count];
        int i = 0;
        for (T? item = First; item is not null; item = item.Next)
        {
            items[i++] = item;
        }

        return items;
    }
}
