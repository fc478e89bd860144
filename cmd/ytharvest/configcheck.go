package main

import (
	"flag"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Checking a config file's values against the flags they set.

// check converts the TOML value val of a key to the strings fs.Set takes
// for the flag whose value is v, and tries them on a scratch value of the
// same type, so that a bad value is reported even when the command line
// overrides it. s names the setting and where its key is (s.at, s.label).
func (c *config) check(v flag.Value, s setting, val any) (setting, error) {
	values, want := tomlValues(flagKind(v), val)
	if want != "" {
		return s, fmt.Errorf("%s: %s: want %s, got %s", s.at, s.label, want, describe(val))
	}
	s.values = values
	if sv := scratch(v); sv != nil {
		for _, str := range s.values {
			if err := sv.Set(str); err != nil {
				return s, fmt.Errorf("%s: %s: %w", s.at, s.label, err)
			}
		}
	}
	if isPathKey(s.name) {
		for i, p := range s.values {
			s.values[i] = c.resolve(p)
		}
	}
	return s, nil
}

// tomlValues converts a TOML value to the strings a flag of kind (see
// flagKind) takes, or says what it wanted instead.
func tomlValues(kind string, val any) (values []string, want string) {
	switch kind {
	case "bool":
		if b, ok := val.(bool); ok {
			return []string{strconv.FormatBool(b)}, ""
		}
		return nil, "true or false"
	case "int":
		if n, ok := val.(int64); ok {
			return []string{strconv.FormatInt(n, 10)}, ""
		}
		return nil, "an integer"
	case "float":
		switch n := val.(type) {
		case int64:
			return []string{strconv.FormatInt(n, 10)}, ""
		case float64:
			return []string{strconv.FormatFloat(n, 'g', -1, 64)}, ""
		}
		return nil, "a number"
	case "duration":
		if d, ok := val.(string); ok {
			if _, err := time.ParseDuration(d); err == nil {
				return []string{d}, ""
			}
		}
		return nil, `a duration string such as "30s", "5m" or "168h"`
	case "string":
		switch t := val.(type) {
		case string:
			return []string{t}, ""
		case toml.LocalDate: // since = 2026-11-01, unquoted
			return []string{t.String()}, ""
		case time.Time:
			return []string{t.Format(time.RFC3339Nano)}, ""
		}
		return nil, "a string"
	case "list":
		return tomlStrings(val)
	}
	// A flag.Value of its own, such as a size: a string, or a number.
	switch t := val.(type) {
	case string:
		return []string{t}, ""
	case int64:
		return []string{strconv.FormatInt(t, 10)}, ""
	}
	return nil, "a string"
}

// tomlStrings reads a string, or an array of strings.
func tomlStrings(val any) ([]string, string) {
	switch t := val.(type) {
	case string:
		return []string{t}, ""
	case []any:
		var out []string
		for _, e := range t {
			str, ok := e.(string)
			if !ok {
				return nil, "an array of strings"
			}
			out = append(out, str)
		}
		return out, ""
	}
	return nil, "an array of strings"
}

// checkSeeds checks [crawl] seeds: an array of URLs (or one URL).
func checkSeeds(s setting, val any) (setting, error) {
	switch t := val.(type) {
	case string:
		s.values = []string{t}
		return s, nil
	case []any:
		for _, e := range t {
			if str, ok := e.(string); ok {
				s.values = append(s.values, str)
				continue
			}
			return s, fmt.Errorf("%s: %s: want an array of URL strings, got an element %s", s.at, s.label, describe(e))
		}
		return s, nil
	}
	return s, fmt.Errorf("%s: %s: want an array of URL strings, got %s", s.at, s.label, describe(val))
}

// flagKind says which TOML type a flag takes, from its flag.Value: the
// standard flag package's values tell their type through flag.Getter.
func flagKind(v flag.Value) string {
	if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "bool"
	}
	if repeatable(v) {
		return "list"
	}
	if g, ok := v.(flag.Getter); ok {
		switch g.Get().(type) {
		case int, int64, uint, uint64:
			return "int"
		case float64:
			return "float"
		case time.Duration:
			return "duration"
		case string:
			return "string"
		}
	}
	return "other"
}

// repeatable reports whether a flag's Set adds to its value rather than
// replacing it; the file gives such flags an array.
func repeatable(v flag.Value) bool {
	switch v.(type) {
	case *regexpList, *stringList:
		return true
	}
	return false
}

// scratch returns a new zero value of v's type to try values on, or nil
// when that type's zero value cannot take a Set (a func or a struct
// holding pointers, as flag.Func and flag.TextVar make).
func scratch(v flag.Value) flag.Value {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer {
		return nil
	}
	switch t.Elem().Kind() {
	case reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64,
		reflect.Float64, reflect.String, reflect.Slice:
		sv, _ := reflect.New(t.Elem()).Interface().(flag.Value)
		return sv
	}
	return nil
}

// describe names a TOML value's type, with the value when short, for
// "want an integer, got string "two"".
func describe(v any) string {
	switch t := v.(type) {
	case string:
		return "string " + strconv.Quote(t)
	case int64:
		return "integer " + strconv.FormatInt(t, 10)
	case float64:
		return "float " + strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time, toml.LocalDate, toml.LocalDateTime, toml.LocalTime:
		return fmt.Sprintf("date/time %v", t)
	}
	return fmt.Sprintf("%T", v)
}

func isTable(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return true
	case []any: // [[crawl]], an array of tables
		return len(t) > 0 && isTable(t[0])
	}
	return false
}
