package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// decodeParams reads a request's parameters, in the query (GET) or a form or multipart body
// (POST), into nested maps the way Stripe reads them: a[b]=1 is {"a":{"b":"1"}}, a[]=x and
// a[0]=x are lists. A multipart file is the parameter "file", its bytes under "file.bytes".
func decodeParams(r *http.Request, in []byte) (map[string]any, error) {
	out := map[string]any{}
	values := r.URL.Query()
	body, file, name, err := ReadForm(r.Header.Get("Content-Type"), in)
	if err != nil {
		return nil, err
	}
	for k, v := range body {
		values[k] = append(values[k], v...)
	}
	if name != "" {
		out["file.bytes"], out["file.name"] = file, name
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a[0] before a[1]
	for _, k := range keys {
		for _, v := range values[k] {
			set(out, keyPath(k), v)
		}
	}
	return out, nil
}

// ReadForm reads a form-encoded or multipart request body of contentType: its parameters,
// and a multipart upload's file with its name ("" when there is none). Other bodies have no
// parameters.
func ReadForm(contentType string, body []byte) (values url.Values, file []byte, fileName string, err error) {
	values = url.Values{}
	ct, params, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "application/x-www-form-urlencoded":
		values, err = url.ParseQuery(string(body))
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, "", err
			}
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, nil, "", err
			}
			if part.FileName() != "" {
				file, fileName = b, part.FileName()
				continue
			}
			values.Add(part.FormName(), string(b))
		}
	}
	return values, file, fileName, err
}

// keyPath splits a[b][c] into a, b, c; "" stands for [].
func keyPath(key string) []string {
	name, rest, _ := strings.Cut(key, "[")
	parts := []string{name}
	for rest != "" {
		var p string
		p, rest, _ = strings.Cut(rest, "]")
		parts = append(parts, p)
		rest = strings.TrimPrefix(rest, "[")
	}
	return parts
}

func set(m map[string]any, keys []string, v string) {
	k := keys[0]
	if len(keys) == 1 {
		m[k] = v
		return
	}
	if next := keys[1]; next == "" || isIndex(next) {
		list, _ := m[k].([]any)
		if len(keys) == 2 {
			m[k] = append(list, v)
			return
		}
		i, _ := strconv.Atoi(next)
		for len(list) <= i {
			list = append(list, map[string]any{})
		}
		sub, _ := list[i].(map[string]any)
		set(sub, keys[2:], v)
		m[k] = list
		return
	}
	sub, ok := m[k].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[k] = sub
	}
	set(sub, keys[1:], v)
}

func isIndex(s string) bool { _, err := strconv.Atoi(s); return err == nil }

// str is a parameter's string value, "" when absent.
func str(m map[string]any, key string) string { v, _ := m[key].(string); return v }

// number reads a numeric parameter or stored value.
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	case float64:
		return int64(n), true
	case int64:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// mergeMetadata applies Stripe's metadata update: keys set, "" unsets a key, metadata=""
// unsets all.
func mergeMetadata(obj map[string]any, params map[string]any) {
	md, _ := obj["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	switch p := params["metadata"].(type) {
	case string:
		if p == "" {
			md = map[string]any{}
		}
	case map[string]any:
		for k, v := range p {
			if s, _ := v.(string); s == "" {
				delete(md, k)
			} else {
				md[k] = s
			}
		}
	}
	obj["metadata"] = md
}

// expanded reports whether the request asks to expand field.
func expanded(params map[string]any, field string) bool {
	list, _ := params["expand"].([]any)
	for _, f := range list {
		if f == field {
			return true
		}
	}
	return false
}

// copyOf is a deep copy of a JSON object.
func copyOf(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
