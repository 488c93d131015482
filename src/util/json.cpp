/* json.cpp — the C API of json.h over simdjson's DOM. The only C++ file in the project. */
#include "util/json.h"

#include <cstring>
#include <new>
#include <simdjson.h>
#include <utility>

#include "util/err.h"

using namespace simdjson;

struct ot_json_doc {
    dom::parser parser{};
};

static_assert(sizeof(dom::element) <= sizeof(ot_json), "ot_json too small for dom::element");
static_assert(sizeof(dom::array::iterator) * 2 <= sizeof(ot_json_iter), "ot_json_iter too small");
static_assert(sizeof(dom::object::iterator) * 2 <= sizeof(ot_json_iter), "ot_json_iter too small");

static ot_json wrap(dom::element e)
{
    ot_json v;
    std::memset(&v, 0, sizeof v);
    std::memcpy(static_cast<void *>(&v), static_cast<const void *>(&e), sizeof e);
    return v;
}

static dom::element unwrap(ot_json v)
{
    dom::element e;
    std::memcpy(static_cast<void *>(&e), static_cast<const void *>(&v), sizeof e);
    return e;
}

extern "C" ot_json_doc *ot_json_doc_new(void)
{
    ot_json_doc *d = new (std::nothrow) ot_json_doc();
    return d;
}

extern "C" void ot_json_doc_free(ot_json_doc *d) { delete d; }

extern "C" int ot_json_parse(ot_json_doc *d, const char *buf, size_t len, bool padded,
                             ot_json *root, char *err, size_t errlen)
{
    if (d->parser.max_depth() != OT_JSON_MAX_DEPTH || d->parser.capacity() < len) {
        size_t cap = len < 4096 ? 4096 : len;
        if (d->parser.allocate(cap, OT_JSON_MAX_DEPTH) != SUCCESS) {
            if (err && errlen)
                snprintf(err, errlen, "out of memory");
            return OT_ENOMEM;
        }
    }
    dom::element e;
    auto r = d->parser.parse(reinterpret_cast<const uint8_t *>(buf), len, !padded);
    error_code ec = r.get(e);
    if (ec != SUCCESS) {
        if (err && errlen) {
            const char *why = error_message(ec);
            if (ec == DEPTH_ERROR)
                why = "nesting too deep";
            else if (ec == UTF8_ERROR)
                why = "invalid UTF-8";
            snprintf(err, errlen, "%s", why);
        }
        return ec == MEMALLOC ? OT_ENOMEM : OT_EINVAL;
    }
    *root = wrap(e);
    return OT_OK;
}

extern "C" const char *ot_json_type_name(ot_json_type t)
{
    switch (t) {
    case OT_JSON_BOOL: return "boolean";
    case OT_JSON_NUMBER: return "number";
    case OT_JSON_STRING: return "string";
    case OT_JSON_ARRAY: return "list";
    case OT_JSON_OBJECT: return "structure";
    default: return "null";
    }
}

extern "C" ot_json_type ot_json_typeof(ot_json v)
{
    switch (unwrap(v).type()) {
    case dom::element_type::ARRAY: return OT_JSON_ARRAY;
    case dom::element_type::OBJECT: return OT_JSON_OBJECT;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return OT_JSON_NUMBER;
    case dom::element_type::STRING: return OT_JSON_STRING;
    case dom::element_type::BOOL: return OT_JSON_BOOL;
    case dom::element_type::NULL_VALUE: return OT_JSON_NULL;
    }
    return OT_JSON_NULL;
}

extern "C" int ot_json_get(ot_json obj, const char *key, ot_json *out)
{
    dom::object o;
    if (unwrap(obj).get_object().get(o) != SUCCESS)
        return OT_EINVAL;
    dom::element e;
    if (o.at_key(key).get(e) != SUCCESS)
        return OT_ENOTFOUND;
    *out = wrap(e);
    return OT_OK;
}

extern "C" int ot_json_str(ot_json v, const char **s, size_t *len)
{
    std::string_view sv;
    if (unwrap(v).get_string().get(sv) != SUCCESS)
        return OT_EINVAL;
    *s = sv.data();
    if (len)
        *len = sv.size();
    return OT_OK;
}

extern "C" int ot_json_bool(ot_json v, bool *b)
{
    return unwrap(v).get_bool().get(*b) == SUCCESS ? OT_OK : OT_EINVAL;
}

extern "C" int ot_json_double(ot_json v, double *d)
{
    return unwrap(v).get_double().get(*d) == SUCCESS ? OT_OK : OT_EINVAL;
}

extern "C" int ot_json_int64(ot_json v, int64_t *i)
{
    return unwrap(v).get_int64().get(*i) == SUCCESS ? OT_OK : OT_EINVAL;
}

/* Member key of obj into *v; a null member counts as absent (OT_ENOTFOUND). */
static int get_present(ot_json obj, const char *key, ot_json *v)
{
    int rc = ot_json_get(obj, key, v);
    if (rc)
        return rc;
    return ot_json_typeof(*v) == OT_JSON_NULL ? OT_ENOTFOUND : OT_OK;
}

extern "C" int ot_json_get_str(ot_json obj, const char *key, const char **s, size_t *len)
{
    ot_json v;
    int rc = get_present(obj, key, &v);
    return rc ? rc : ot_json_str(v, s, len);
}

extern "C" int ot_json_get_bool(ot_json obj, const char *key, bool *b)
{
    ot_json v;
    int rc = get_present(obj, key, &v);
    return rc ? rc : ot_json_bool(v, b);
}

template <typename It> static void iter_store(ot_json_iter *it, It cur, It end)
{
    std::memset(it, 0, sizeof *it);
    std::memcpy(reinterpret_cast<char *>(it), &cur, sizeof cur);
    std::memcpy(reinterpret_cast<char *>(it) + sizeof cur, &end, sizeof end);
}

template <typename It> static void iter_load(const ot_json_iter *it, It *cur, It *end)
{
    std::memcpy(cur, reinterpret_cast<const char *>(it), sizeof *cur);
    std::memcpy(end, reinterpret_cast<const char *>(it) + sizeof *cur, sizeof *end);
}

/* Starts an iteration over the array or object r holds (OT_EINVAL when it holds neither). */
template <typename C> static int iter_start(simdjson_result<C> r, ot_json_iter *it)
{
    C c;
    if (std::move(r).get(c) != SUCCESS)
        return OT_EINVAL;
    iter_store(it, c.begin(), c.end());
    return OT_OK;
}

extern "C" int ot_json_array_iter(ot_json arr, ot_json_iter *it)
{
    return iter_start(unwrap(arr).get_array(), it);
}

extern "C" bool ot_json_array_next(ot_json_iter *it, ot_json *val)
{
    dom::array::iterator cur, end;
    iter_load(it, &cur, &end);
    if (cur == end)
        return false;
    *val = wrap(*cur);
    ++cur;
    iter_store(it, cur, end);
    return true;
}

extern "C" int ot_json_object_iter(ot_json obj, ot_json_iter *it)
{
    return iter_start(unwrap(obj).get_object(), it);
}

extern "C" bool ot_json_object_next(ot_json_iter *it, const char **key, size_t *keylen,
                                    ot_json *val)
{
    dom::object::iterator cur, end;
    iter_load(it, &cur, &end);
    if (cur == end)
        return false;
    std::string_view k = cur.key();
    *key = k.data();
    if (keylen)
        *keylen = k.size();
    *val = wrap(cur.value());
    ++cur;
    iter_store(it, cur, end);
    return true;
}

extern "C" size_t ot_json_count(ot_json v)
{
    dom::element e = unwrap(v);
    dom::array a;
    if (e.get_array().get(a) == SUCCESS)
        return a.size();
    dom::object o;
    if (e.get_object().get(o) == SUCCESS)
        return o.size();
    return 0;
}

extern "C" int ot_json_write(ot_json v, ot_buf *out)
{
    std::string s;
    try {
        s = simdjson::minify(unwrap(v));
    } catch (...) {
        return OT_ENOMEM;
    }
    return ot_buf_append(out, s.data(), s.size());
}
