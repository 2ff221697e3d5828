package fedbench

import (
	"bytes"
	_ "embed"
)

// DeepQuery crosses all four subgraphs three levels deep: users
// (accounts), their reviews (reviews), each review's product (products,
// then inventory with the price and weight it requires), that product's
// reviews and their authors (reviews, accounts), and the authors' reviews
// and products again. Against NewData it answers about 88 KB, the answer
// DeepAnswer holds.
const DeepQuery = `{
  users {
    ...U
    reviews {
      ...R
      product {
        ...P
        reviews {
          ...R
          author {
            ...U
            reviews {
              ...R
              product {
                ...P
              }
            }
          }
        }
      }
    }
  }
}

fragment U on User {
  id
  name
  username
}

fragment R on Review {
  id
  body
}

fragment P on Product {
  upc
  name
  price
  weight
  inStock
  shippingEstimate
}
`

// deepAnswer is DeepQuery's answer over NewData, compact JSON with fields
// in the query's order, as the subgraphs answer it stitched together
// (TestDeepAnswer computes it and checks it).
//
//go:embed testdata/deep-answer.json
var deepAnswer []byte

// DeepAnswer returns DeepQuery's expected answer over NewData, for tests
// that send DeepQuery through a gateway.
func DeepAnswer() []byte { return bytes.Clone(deepAnswer) }
