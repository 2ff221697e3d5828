package resolvers

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/schema"
)

// concreteType returns the concrete type of obj, a value of an abstract
// type: by the value's __typename, as GraphQL sources write it, when it
// names a possible type; else by the type's rule (@typeBy), when it has
// one. It returns "" and why when neither tells.
func concreteType(rule *schema.TypeRule, obj *fastjson.Value, possible func(string) bool) (string, string) {
	tn := obj.GetStringBytes("__typename")
	if len(tn) > 0 && possible(string(tn)) {
		return string(tn), ""
	}
	if rule == nil {
		return "", "__typename " + strconv.Quote(string(tn))
	}
	return ruleType(rule, obj)
}

// ruleType applies a @typeBy rule: the value of its key names the type;
// when the value has no such key, or one the rule does not know, the
// type is the shape with the most keys all present (the first listed on a
// tie).
func ruleType(r *schema.TypeRule, obj *fastjson.Value) (string, string) {
	var why []string
	if r.Key != "" {
		kv := obj.Get(r.Key)
		switch {
		case kv == nil:
			why = append(why, "it has no "+strconv.Quote(r.Key))
		case kv.Type() != fastjson.TypeString:
			why = append(why, strconv.Quote(r.Key)+" is "+describe(kv))
		default:
			s := kv.GetStringBytes()
			if name, ok := r.Values[string(s)]; ok {
				return name, ""
			}
			why = append(why, strconv.Quote(r.Key)+" is "+strconv.Quote(string(s))+", which names none of its types")
		}
	}
	if len(r.Shapes) > 0 {
		best, most := "", -1
		for _, sh := range r.Shapes {
			if len(sh.Keys) > most && hasKeys(obj, sh.Keys) {
				best, most = sh.Type, len(sh.Keys)
			}
		}
		if best != "" {
			return best, ""
		}
		var need []string
		for _, sh := range r.Shapes {
			need = append(need, sh.Type+" needs "+strings.Join(sh.Keys, ", "))
		}
		why = append(why, "it has the keys of none of its types ("+strings.Join(need, "; ")+")")
	}
	return "", strings.Join(why, ", and ")
}

func hasKeys(obj *fastjson.Value, keys []string) bool {
	o, err := obj.Object()
	if err != nil {
		return false
	}
	for _, k := range keys {
		if o.Get(k) == nil {
			return false
		}
	}
	return true
}
