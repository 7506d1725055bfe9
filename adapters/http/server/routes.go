package server

import (
	"net/http"
	"slices"
	"strings"
)

// Route patterns are matched here as well as by Fiber: to label metrics and spans of requests that
// were refused before Fiber routed them (a bad header on a real route), and to list the methods of
// a path for the Allow header of a 405. validPattern keeps patterns to the subset where both agree.

// segments splits a path or pattern the way Fiber compares them: leading and trailing slashes
// are not significant (Fiber's StrictRouting is off).
func segments(path string) []string {
	trimmed := strings.Trim(path, "/")
	if trimmed == "" {
		return nil
	}
	return strings.Split(trimmed, "/")
}

func isParam(seg string) bool { return strings.HasPrefix(seg, ":") }

// validPattern accepts "/" and patterns whose segments are literals or ":name" parameters.
func validPattern(pattern string) bool {
	if !strings.HasPrefix(pattern, "/") || strings.Contains(pattern, "//") {
		return false
	}
	for _, seg := range segments(pattern) {
		if isParam(seg) {
			if len(seg) == 1 || strings.IndexFunc(seg[1:], notNameRune) >= 0 {
				return false
			}
		} else if strings.ContainsAny(seg, ":*+?()<>") {
			return false
		}
	}
	return true
}

// notNameRune reports whether r cannot be part of a parameter name ([A-Za-z0-9_]).
func notNameRune(r rune) bool {
	return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
}

// patternMatches reports whether pattern matches a request path.
func patternMatches(pattern, path string) bool {
	ps, xs := segments(pattern), segments(path)
	if len(ps) != len(xs) {
		return false
	}
	for i, seg := range ps {
		if !isParam(seg) && seg != xs[i] {
			return false
		}
	}
	return true
}

// shadows reports whether every path that later matches is already matched by earlier, so Fiber,
// which tries routes in registration order, would never reach later.
func shadows(earlier, later string) bool {
	es, ls := segments(earlier), segments(later)
	if len(es) != len(ls) {
		return false
	}
	for i, seg := range es {
		if !isParam(seg) && (isParam(ls[i]) || seg != ls[i]) {
			return false
		}
	}
	return true
}

// unmatchedRoute labels requests for paths no route serves, so random paths share one metric series.
const unmatchedRoute = "unmatched"

// templateFor returns the pattern Fiber would route method and path to, else the first pattern of
// another method serving path (a 405, or a request refused before routing), else unmatchedRoute.
func (s *Server) templateFor(method, path string) string {
	if method == http.MethodHead {
		method = http.MethodGet // served by the GET route
	}
	fallback := unmatchedRoute
	for _, r := range s.routes {
		if !patternMatches(r.Path, path) {
			continue
		}
		if r.Method == method {
			return r.Path
		}
		if fallback == unmatchedRoute {
			fallback = r.Path
		}
	}
	return fallback
}

// methodsFor lists the methods served for path, in registration order, for the Allow header.
func (s *Server) methodsFor(path string) []string {
	var methods []string
	for _, r := range s.routes {
		if patternMatches(r.Path, path) && !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
			if r.Method == http.MethodGet {
				methods = append(methods, http.MethodHead)
			}
		}
	}
	return methods
}
