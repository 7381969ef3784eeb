(()=>{var v,Ke,Kt,O,fe,se,Oe,ee,Me,he,me,Ot,z=Symbol.for("pv"),oe={},ae=[],Mt=/^m(i|n|o|s|text|space)$/,ye=Array.isArray,$e=ae.slice,W=Object.assign;function B(e){e&&e.parentNode&&e.remove()}function qe(e,t,n){var o,r,s,a={},c=arguments.length;for(s in t)s=="key"?o=t[s]:s=="ref"&&typeof e!="function"?r=t[s]:a[s]=t[s];return c>2&&(a.children=c>3?$e.call(arguments,2):n),j(e,a,o,r,null)}function j(e,t,n,o,r){var s={type:e,props:t,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__c:null,constructor:z,__v:r||++Ke,__i:-1,__u:0};return!r&&v.vnode&&v.vnode(s),s}function ie(e){return e.children}function te(e,t){this.props=e,this.context=t,this.__g=0}function M(e,t){if(t==null)return e.__&&M(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:M(e)}function qt(e){var t,n=e.__v,o=n.__e,r=[],s=[],a=e.__P;a&&((t=W({constructor:z},n)).__v=n.__v+1,v.vnode&&v.vnode(t),ge(a,t,n,e.__n,a.namespaceURI,32&n.__u?[o]:null,r,o||M(n),32&n.__u,s),t.__v=n.__v,t.__.__k[t.__i]=t,Ve(r,t,s),n.__=n.__e=null,t.__e!=o&&Fe(t))}function Fe(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Fe(e)}function Pe(e){(8&e.__g||(e.__g|=8,O.push(e),se++))&&fe==v.debounceRendering||((fe=v.debounceRendering)||queueMicrotask)(Be)}function Be(){try{for(var e,t=1;O.length;)O.length>t&&O.sort(Oe),e=O.shift(),t=O.length,8&e.__g&&qt(e)}finally{(se=O.length)&&(fe||queueMicrotask)(Be)}}function We(e,t,n,o,r,s,a,c,d,f,l){var u,m,i,p,y,h,g=o.__k||ae,b=t.length;for(d=Ft(n,t,g,d,b),u=0;u<b;u++)(i=n.__k[u])!=null&&(m=~i.__i&&g[i.__i]||oe,i.__i=u,h=ge(e,i,m,r,s,a,c,d,f,l),p=i.__e,(m.ref!=i.ref||8&m.__u)&&(m.ref&&be(m.ref,null,i,m),i.ref&&l.push(i.ref,i.__c||p,i)),y=y||p,4&i.__u?(d=He(i,d,e,!m.__v),m.__e&&(m.__e=null)):typeof i.type=="function"&&h!==void 0?d=h:p&&(d=p.nextSibling),i.__u&=-21);return n.__e=y,d}function Ft(e,t,n,o,r){var s,a,c,d,f,l,u,m,i,p=n.length,y=p,h=0,g=0,b=e.__k=Array(r);for(s=0;s<r;s++)(a=t[s])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a!="object"||a.constructor===String?a=b[s]=j(null,a):ye(a)?a=b[s]=j(ie,{children:a}):a.constructor===z&&a.__b?a=b[s]=j(a.type,a.props,a.key,a.ref,a.__v):b[s]=a,d=s+h,a.__=e,a.__b=e.__b+1,c=null,~(f=a.__i=Bt(a,n,d,y))&&(y--,(c=n[f])&&(c.__u|=2)),c&&c.__v?(a.__u|=16,f==d-1?h--:f==d+1?h++:f!=d&&(f>d?h--:h++,g=1)):(~f||(r>p?h--:r<p&&h++),typeof a.type!="function"&&(a.__u|=4))):b[s]=null;if(g){for(l=[],u=[],s=0;s<r;s++)if((a=b[s])&&16&a.__u){for(h=0,m=l.length;h<m;)l[i=h+m>>1]<a.__i?h=i+1:m=i;l[h]=a.__i,u[s]=h+1}for(h=l.length;s--;)u[s]&&(u[s]==h?h--:b[s].__u|=4)}if(y)for(s=0;s<p;s++)!(c=n[s])||2&c.__u||(c.__e==o&&(o=M(c)),ve(c,c));return o}function He(e,t,n,o){var r,s,a,c;if(typeof e.type=="function"){if(e.props.__P)return t;if(r=e.__k)for(s=0;s<r.length;s++)r[s]&&(r[s].__=e,t=He(r[s],t,n,!1));return t}for(t&&!t.parentNode&&(t=M(e))&&!t.parentNode&&(t=null),a=e.__e,c=t;c&&c.nodeType==8;)c=c.nextSibling;for(a!=c&&(!o&&n.moveBefore&&a.parentNode?n.moveBefore(a,t):n.insertBefore(a,t||null)),t=a;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Bt(e,t,n,o){var r,s=e.key,a=e.type,c=t[n],d=c&&!(2&c.__u);if(c===null&&s==null||d&&s==c.key&&a==c.type)return n;if(o>(d?1:0)){for(r=n-1;r>=0;r--)if((c=t[r])&&!(2&c.__u)&&s==c.key&&a==c.type)return r;for(r=n+1;r<t.length;r++)if((c=t[r])&&!(2&c.__u)&&s==c.key&&a==c.type)return r}return-1}function Re(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function Z(e,t,n,o,r){var s,a;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof o=="string"&&(e.style.cssText=o=""),o)for(t in o)n&&t in n||Re(e.style,t);if(n)for(t in n)o&&n[t]==o[t]||Re(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof o!="function"&&(o=null),(e.__e||(e.__e={}))[t]=n,n&&o||(a=me[t]||(me[t]=Wt(t)),(e.__a||(e.__a={}))[t]=he,s=t!=(t=t.replace(Me,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,a,s):e.removeEventListener(t,a,s));else{if(r=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function Wt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[ee]==null)t[ee]=he++;else if(t[ee]<this.__a[e])return;return n(v.event?v.event(t):t)}}}function ge(e,t,n,o,r,s,a,c,d,f){var l,u,m,i,p,y,h,g,b,A,w,_e,Ne,J,q,Te,K,F,T=t.type;if(t.constructor!==z)return null;128&n.__u&&(d=32&n.__u,l=n.__c.__z)&&(t.__u|=d,u=s=[],l.nodeType==8?c=ne(l,s):s.push(l),c=s[0]||c),(l=v.__b)&&l(t);e:if(typeof T=="function"){m=a.length;try{if(g=t.props,b=(l=T.prototype)&&l.render,A=(l=T.contextType)&&o[l.__c],w=l?A?A.props.value:l.__:o,(i=n.__c)?(t.__c=i,2&i.__g&&(i.__g|=1)):(b?t.__c=i=new T(g,w):(t.__c=i=new te(g,w),i.constructor=T,i.render=Yt),A&&A.sub(i),i.state||(i.state={}),i.__n=o,i.__g|=8,i.__h=[],i.__k=[]),b&&(i.__s||(i.__s=i.state),T.getDerivedStateFromProps&&(i.__s==i.state&&(i.__s=W({},i.__s)),W(i.__s,T.getDerivedStateFromProps(g,i.__s)))),p=i.props,y=i.state,i.__v=t,n.__c){if(g!==p&&b&&!T.getDerivedStateFromProps&&i.componentWillReceiveProps&&i.componentWillReceiveProps(g,w),t.__v==n.__v&&!(8&i.__g)||!(4&i.__g)&&i.shouldComponentUpdate&&i.shouldComponentUpdate(g,i.__s,w)===!1){t.__v!=n.__v&&(i.props=g,i.state=i.__s,i.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(L){L&&(L.__=t)}),ae.push.apply(i.__h,i.__k),i.__k=[],i.__h.length&&a.push(i),c=M(n);break e}i.componentWillUpdate&&i.componentWillUpdate(g,i.__s,w),b&&i.componentDidUpdate&&i.__h.push(function(){i.componentDidUpdate(p,y,h)})}else b&&!T.getDerivedStateFromProps&&i.componentWillMount&&i.componentWillMount(),b&&i.componentDidMount&&i.__h.push(i.componentDidMount);i.context=w,i.props=g,i.__P=e,i.__g&=-5,_e=v.__r,Ne=b?25:0;do i.__g&=-9,_e&&_e(t),l=i.render(i.props,i.state=i.__s,i.context);while(8&i.__g&&++Ne<25);b&&(ae.push.apply(i.__h,i.__k),i.__k=[]),i.state=i.__s,i.getChildContext&&(o=W({},o,i.getChildContext())),b&&n.__c&&i.getSnapshotBeforeUpdate&&(h=i.getSnapshotBeforeUpdate(p,y)),J=l&&l.type===ie&&l.key==null?l.props.children:l,g.__P&&(l=c,r=(e=g.__P).namespaceURI,d=s=null,n.props&&n.props.__P!=e&&(n.__k.some(function(L){L&&ve(L,L)}),n.__k=null),c=n.__k?M(n,0):null),c=We(e,ye(J)?J:[J],t,n,o,r,s,a,c,d,f),g.__P&&(t.__e=null,c=l),t.__u&=-161,u&&u.some(B),i.__h.length&&a.push(i),1&i.__g&&(i.__g&=-4)}catch(L){if(a.length=m,t.__v=null,d||s)if(L&&L.then){if(t.__u|=128|d,s){for(~(K=s.indexOf(c||void 0))||(K=s.length);(F=s[K-1])&&F.nodeType==8;)K--;for(;K<s.length;K++)if(F=s[K])if(s[K]=null,q){if(F==Te)break}else{if(F.nodeType!=8)break;F.data.startsWith("$s")&&(Te=ne(q=F))}}if(!q){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;q=c}(l=ne(q=t.__c.__z||(t.__c.__z=q)))?(t.__e=q,c=l):t.__e=c,c=c&&c.nextSibling}else s&&s.some(B);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),L&&L.then||Ye(t),v.__e(L,t,n)}}else c=t.__e=Ht(n.__e,t,n,o,r,s,a,d,f,e);return(l=v.diffed)&&l(t),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function Ye(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(Ye))}function Ve(e,t,n){for(var o=0;o<n.length;)be(n[o++],n[o++],n[o++]);v.__c&&v.__c(t,e),e.some(function(r){try{e=r.__h,r.__h=[],e.some(function(s){s.call(r)})}catch(s){v.__e(s,r.__v)}})}function Ht(e,t,n,o,r,s,a,c,d,f){var l,u,m,i,p,y,h,g,b=n.props||oe,A=t.props,w=t.type;if(w=="svg"?r="http://www.w3.org/2000/svg":w=="math"?r="http://www.w3.org/1998/Math/MathML":r||(r="http://www.w3.org/1999/xhtml"),s){for(l=0;l<s.length;l++)if((p=s[l])&&(w?p.localName==w:p.nodeType==3)){e=p,s[l]=null;break}}if(!e){if(g=f.ownerDocument||document,!w)return g.createTextNode(A);e=g.createElementNS(r,w,A.is?A:f),c&&(v.__m&&v.__m(t,s),c=!1),s=null}if(w){if(f=w=="template"&&e.content||e,s=w=="textarea"&&A.defaultValue!=null?null:s&&$e.call(f.childNodes),!c&&s)for(b={},l=0;l<e.attributes.length;l++)b[(p=e.attributes[l]).name]=p.value;for(l in b)p=b[l],l=="dangerouslySetInnerHTML"?m=p:l=="children"||l in A||l=="value"&&"defaultValue"in A||l=="checked"&&"defaultChecked"in A||Z(e,l,null,p,r);for(l in A)p=A[l],l=="children"?i=p:l=="dangerouslySetInnerHTML"?u=p:l=="value"?y=p:l=="checked"?h=p:c&&typeof p!="function"||b[l]===p||Z(e,l,p,b[l],r);u?(c||m&&(u.__html==m.__html||u.__html==e.innerHTML)||(e.innerHTML=u.__html),t.__k=[]):(m&&(e.textContent=""),(w=="foreignObject"||r=="http://www.w3.org/1998/Math/MathML"&&Mt.test(w))&&(r="http://www.w3.org/1999/xhtml"),We(f,ye(i)?i:[i],t,n,o,r,s,a,s?s[0]:n.__k&&M(n,0),c,d),s&&s.some(B)),c&&w!="textarea"||(l="value",w=="progress"&&y==null?e.removeAttribute(l):y==null||y===e[l]&&(w!="progress"||y)||Z(e,l,y,b[l],r),l="checked",h!=null&&h!=e[l]&&Z(e,l,h,b[l],r))}else b===A||c&&e.data==A||(e.data=A);return e}function be(e,t,n,o){try{typeof e=="function"?t?t.__x=e(t)||1:o&&(o=o.__c||o.__e)&&(t=o.__x)&&(o.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(r){v.__e(r,n)}}function ve(e,t,n){var o,r,s,a;if(v.unmount&&v.unmount(e),!(o=e.ref)||o.current&&o.current!=e.__e||be(o,null,t,e),o=e.__c){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(c){v.__e(c,t)}o.__P=o.__n=null}if(o=e.__k)for(a=0;a<o.length;a++)o[a]&&ve(o[a],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(o=e.__c)&&(o=o.__z)&&(r=ne(o,s=[]))&&(o==e.__e&&s.some(B),B(r),B(o)),n||B(e.__e),e.__e=e.__c=e.__=null}function Yt(e,t,n){return this.constructor(e,n)}function Ge(e,t){var n,o,r,s;v.__&&v.__(e,t),t.nodeType==9&&(t=t.documentElement),o=(n=e&&32&e.__u)?null:t.__k,t.__k=j(ie,{children:[e]}),r=[],s=[],ge(t,t.__k,o||oe,oe,t.namespaceURI,o?null:t.firstChild?$e.call(t.childNodes):null,r,o?o.__e:t.firstChild,n,s),Ve(r,t.__k,s),t.__k.props.children=null}v={__e:function(e,t,n,o){for(var r,s,a;t=t.__;)if((r=t.__c)&&!(1&r.__g)){r.__g|=4;try{if((a=(s=r.constructor)&&s.getDerivedStateFromError)&&r.setState(s.getDerivedStateFromError(e)),r.componentDidCatch&&(r.componentDidCatch(e,o||{}),a=1),a&&8&r.__g)return void(r.__g|=2)}catch(c){e=c}}throw se=0,e}},Ke=0,Kt=function(e){return e!=null&&e.constructor===z},te.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=W({},this.state)),typeof e=="function"&&(e=e(W({},n),this.props)),e&&(W(n,e),this.__v&&(t&&this.__k.push(t),Pe(this)))},te.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Pe(this))},te.prototype.render=ie,O=[],se=0,Oe=function(e,t){return e.__v.__b-t.__v.__b},ee=Symbol(),Me=/(PointerCapture)$|Capture$/i,he=0,me={},Ot=0;var Y,k,we,je,Ae=Object.is,re=0,st=[],Ee=[],E=v,ze=E.__b,Qe=E.__r,Xe=E.diffed,Je=E.__c,Ze=E.unmount,et=E.__;function le(e,t){E.__h&&E.__h(k,e,re||t),re=0;var n=k.__H||(k.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function $(e){return re=1,Vt(at,e)}function Vt(e,t,n){var o=le(Y++,2);if(o.t=e,!o.__c&&(o.__=[n?n(t):at(void 0,t),function(s){var a=(o.__N||o.__)[0],c=o.t(a,s);Ae(a,c)||(o.__N=[c,o.__[1]],o.__c.setState({}))}],o.__c=k,!k.__f)){k.__f=!0;var r=k.shouldComponentUpdate;k.shouldComponentUpdate=function(s,a,c){var d=this.__H;if(!d)return!0;var f=!1,l=this.props!=s;if(d.__.some(function(m){m.__N&&(f=!0,Ae(m.__[0],m.__N[0])||(l=!0))}),r){var u=r.call(this,s,a,c);return f?u||l:u}return!f||l}}return o.__}function P(e,t){var n=le(Y++,3);!E.__s&&xe(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,k.__H.__h.push(n))}function ot(e,t){var n=le(Y++,4);!E.__s&&xe(n.__H,t)&&(n.__P=!1,n.__=e,n.u=t,k.__h.push(n))}function ce(e){return re=5,Gt(function(){return{current:e}},[])}function Gt(e,t){var n=le(Y++,7);return xe(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function jt(){var e;do{for(;e=Ee.shift();)try{Q(e)}catch(n){E.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=st.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(Q),t.__h.some(ke),t.__h=[]}catch(n){t.__h=[],E.__e(n,e.__v)}}}while(Ee.length)}E.__b=function(e){k=null,ze&&ze(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),et&&et(e,t)},E.__r=function(e){Qe&&Qe(e),Y=0;var t=(k=e.__c).__H;t&&(we==k?k.__h=[]:(t.__h.some(Q),t.__h.some(ke),Y=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),we=k},E.diffed=function(e){Xe&&Xe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&nt(st.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),we=k=null},E.__c=function(e,t){t.some(function(n){try{n.__h.some(Q),n.__h=n.__h.filter(function(o){return!o.__||ke(o)})}catch(o){n.__h=[function(){throw o}]}}),Je&&Je(e,t)},E.unmount=function(e){Ze&&Ze(e);var t,n,o=e.__c;o&&o.__H&&(o.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}r.__P=n,nt(Ee.push(r))}else Q(r)}catch(s){t=s}}),o.__H=void 0,t&&E.__e(t,o.__v))};var tt=typeof requestAnimationFrame=="function";function zt(e){var t,n=function(){clearTimeout(o),tt&&cancelAnimationFrame(t),setTimeout(e)},o=setTimeout(n,35);tt&&(t=requestAnimationFrame(n))}function nt(e){e!=1&&je==E.requestAnimationFrame||((je=E.requestAnimationFrame)||zt)(jt)}function Q(e){var t=k,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),k=t}function ke(e){var t=k;e.__c=e.__(),k=t}function xe(e,t){return!e||e.length!=t.length||t.some(function(n,o){return!Ae(n,e[o])})}function at(e,t){return typeof t=="function"?t(e):t}var Se="keyfob:app:session",H=null;try{H=sessionStorage.getItem(Se)}catch{H=null}var X={sessionEnded:()=>{},unavailable:()=>{},reachable:()=>{}};function rt(e){Object.assign(X,e)}function Ie(){return H!==null}function lt(e){H=e;try{sessionStorage.setItem(Se,e)}catch{}}function ue(){H=null;try{sessionStorage.removeItem(Se)}catch{}}var V=class extends Error{constructor(t,n,o={}){super(n),this.code=t,this.field=o.field||null,this.retryAfterSeconds=o.retryAfterSeconds||0,this.requestId=o.requestId||null,this.status=o.status||0}},Qt={400:"BAD_REQUEST",401:"UNAUTHENTICATED",403:"FORBIDDEN",413:"PAYLOAD_TOO_LARGE",429:"RATE_LIMITED",503:"UNAVAILABLE"};async function x(e,t={}){let n=H,o={"Content-Type":"application/json",Accept:"application/json"};n&&(o.Authorization="Bearer "+n);let r;try{r=await fetch("/graphql",{method:"POST",headers:o,body:JSON.stringify({query:e,variables:t}),credentials:"omit",cache:"no-store"})}catch{let u=new V("UNAVAILABLE","Keyfob cannot be reached. Check the connection and try again.");throw X.unavailable(u),u}let s=null;try{s=await r.json()}catch{s=null}let a=s&&Array.isArray(s.errors)?s.errors[0]:null;if(r.ok&&!a&&s&&s.data)return X.reachable(),s.data;let c=a&&a.extensions||{},d=Number(c.retryAfterSeconds)||Number(r.headers.get("Retry-After"))||0,f=String(c.code||Qt[r.status]||"INTERNAL"),l=new V(f,a&&typeof a.message=="string"?a.message:"",{field:typeof c.field=="string"?c.field:null,retryAfterSeconds:d,requestId:c.requestId||r.headers.get("X-Request-Id"),status:r.status});throw n&&(r.status===401||f==="UNAUTHENTICATED")&&n===H?(ue(),X.sessionEnded()):(f==="UNAVAILABLE"||f==="OVERLOADED")&&X.unavailable(l),l}function ct(e){return e instanceof V&&(e.code==="UNAVAILABLE"||e.code==="OVERLOADED")}function Ce(e){let t=String(e||"").trim();if(!t)return"";let n=t[0].toUpperCase()+t.slice(1);return/[.!?]$/.test(n)?n:n+"."}function it(e){if(!e)return"Wait a moment and try again.";let n=new Date(Date.now()+e*1e3).toLocaleTimeString(void 0,{hour:"2-digit",minute:"2-digit",second:"2-digit"});return`Try again in ${e} second${e===1?"":"s"}, at ${n}.`}function C(e){if(!(e instanceof V))return"Something went wrong in this page. Reload it and try again.";switch(e.code){case"RATE_LIMITED":return"Too many attempts. "+it(e.retryAfterSeconds);case"UNAVAILABLE":return e.message&&e.status===0?e.message:"Keyfob cannot reach its database right now. Nothing was changed. Try again in a moment.";case"OVERLOADED":return"Keyfob is too busy to answer right now. Nothing was changed. "+it(e.retryAfterSeconds);case"UNAUTHENTICATED":return e.status===401?"Your session has ended. Log in again.":Ce(e.message)||"Wrong email or password.";case"NOT_FOUND":return"That no longer exists: someone may have deleted it. The list has been refreshed.";case"FORBIDDEN":return"You may not do that. "+Ce(e.message);case"API_ACCESS_DISABLED":return"Your API access is turned off, so you cannot create keys. Ask the account owner to turn it on.";case"POWER_UP_REQUIRED":return"The API Key Restriction Power-Up is off, so everyone may create keys already.";case"INTERNAL":return"Something went wrong on the server"+(e.requestId?` (request id ${e.requestId})`:"")+". Try again.";default:return Ce(e.message)||"The request was refused ("+e.code+")."}}var De="id name email role apiAccess account { id name apiKeyRestriction }",ut=`mutation AppLogIn($in: LogInInput!) {
  logIn(input: $in) { token user { ${De} } }
}`,dt=`mutation AppSignUp($in: SignUpInput!) {
  signUp(input: $in) { token user { ${De} } }
}`,pt="mutation AppLogOut { logOut }",_t=`query AppViewer { viewer { ${De} } }`,Le=`query AppKeys($after: String) {
  apiKeys(first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name note last4 createdAt lastUsedAt isDefault access expiresAt status
      previousSecretExpiresAt previousSecretLastUsedAt activeMobileSessions
      leak { reportedAt source url }
      owner { id name email }
      usageByIntegration { integration firstUsedAt lastUsedAt requestCount }
      dailyUsage(days: 30) { requestCount }
    }
  }
}`,ft=`mutation AppCreateKey($in: CreateApiKeyInput!) {
  createApiKey(input: $in) { secret apiKey { id name last4 } }
}`,mt=`mutation AppUpdateKey($in: UpdateApiKeyInput!) {
  updateApiKey(input: $in) { apiKey { id name note access } }
}`,ht=`mutation AppRollKey($in: RollApiKeyInput!) {
  rollApiKey(input: $in) { secret apiKey { id last4 status previousSecretExpiresAt } }
}`,yt=`mutation AppDeleteKey($in: DeleteApiKeyInput!) {
  deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions }
}`,$t=`query AppUsers {
  account { id apiKeyRestriction users { id name email role apiAccess apiKeyCount } }
}`,gt=`mutation AppSetAccess($in: SetUserApiAccessInput!) {
  setUserApiAccess(input: $in) { user { id apiAccess apiKeyCount } deletedApiKeys loggedOutMobileSessions }
}`,bt=`query AppAudit($after: String) {
  auditEvents(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action occurredAt actorEmail ip userAgent apiKeyName apiKeyLast4 detail
      targetUser { email }
    }
  }
}`,vt="query AppAccess { account { id apiKeyRestriction } viewer { id apiAccess } }";function I(e){return e?new Date(e).toLocaleString(void 0,{dateStyle:"medium",timeStyle:"short"}):""}function de(e){return e?new Date(e).toLocaleDateString(void 0,{dateStyle:"medium"}):""}function U(e,t,n){return`${e} ${e===1?t:n}`}var wt={FULL:"Full",READ_ONLY:"Read-only"},pe={OWNER:"Owner",ADMIN:"Admin",AGENT:"Agent"};function At(e){let t=new Date,n=[];for(let o=e-1;o>=0;o--){let r=new Date(Date.UTC(t.getUTCFullYear(),t.getUTCMonth(),t.getUTCDate()-o));n.push(r.toISOString().slice(0,10))}return n}var Et={SIGNED_UP:"Signed up",LOGGED_IN:"Logged in",LOGIN_FAILED:"Log-in failed",LOGGED_OUT:"Logged out",USER_CREATED:"User added",API_KEY_CREATED:"Key created",API_KEY_DELETED:"Key deleted",API_KEY_UPDATED:"Key changed",API_KEY_ROLLED:"Key rolled",API_KEY_LEAKED:"Key leaked",API_ACCESS_CHANGED:"API access changed",POWER_UP_CHANGED:"Power-Up switched",MOBILE_SESSIONS_LOGGED_OUT:"Mobile sessions logged out"},kt=[{seconds:0,label:"Now"},{seconds:3600,label:"In 1 hour"},{seconds:86400,label:"In 24 hours"},{seconds:604800,label:"In 7 days"}],xt=[{value:"never",label:"Never",days:null},{value:"30",label:"In 30 days",days:30},{value:"90",label:"In 90 days",days:90},{value:"365",label:"In 1 year",days:365},{value:"date",label:"On a date…",days:null}];function Ct(e,t){if(e==="never")return null;if(e==="date"){let o=/^(\d{4})-(\d{2})-(\d{2})$/.exec(t||"");return o?new Date(Number(o[1]),Number(o[2])-1,Number(o[3])+1).toISOString():void 0}let n=Number(e);return new Date(Date.now()+n*86400*1e3).toISOString()}var It=function(e,t,n,o){var r;t[0]=0;for(var s=1;s<t.length;s++){var a=t[s++],c=t[s]?(t[0]|=a?1:2,n[t[s++]]):t[++s];a===3?o[0]=c:a===4?o[1]=Object.assign(o[1]||{},c):a===5?(o[1]=o[1]||{})[t[++s]]=c:a===6?o[1][t[++s]]+=c+"":a?(r=e.apply(c,It(e,c,n,["",null])),o.push(r),c[0]?t[0]|=2:(t[s-2]=0,t[s]=r)):o.push(c)}return o},St=new Map;function Dt(e){var t=St.get(this);return t||(t=new Map,St.set(this,t)),(t=It(this,t.get(e)||(t.set(e,t=(function(n){for(var o,r,s=1,a="",c="",d=[0],f=function(m){s===1&&(m||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?d.push(0,m,a):s===3&&(m||a)?(d.push(3,m,a),s=2):s===2&&a==="..."&&m?d.push(4,m,0):s===2&&a&&!m?d.push(5,0,!0,a):s>=5&&((a||!m&&s===5)&&(d.push(s,0,a,r),s=6),m&&(d.push(s,m,0,r),s=6)),a=""},l=0;l<n.length;l++){l&&(s===1&&f(),f(l));for(var u=0;u<n[l].length;u++)o=n[l][u],s===1?o==="<"?(f(),d=[d],s=3):a+=o:s===4?a==="--"&&o===">"?(s=1,a=""):a=o+a[0]:c?o===c?c="":a+=o:o==='"'||o==="'"?c=o:o===">"?(f(),s=1):s&&(o==="="?(s=5,r=a,a=""):o==="/"&&(s<5||n[l][u+1]===">")?(f(),s===3&&(d=d[0]),s=d,(d=d[0]).push(2,0,s),s=0):o===" "||o==="	"||o===`
`||o==="\r"?(f(),s=2):a+=o),s===3&&a==="!--"&&(s=4,d=d[0])}return f(),d})(e)),t),arguments,[])).length>1?t:t[0]}var _=Dt.bind(qe),Lt='a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';function R({id:e,title:t,onClose:n,children:o,wide:r,returnTo:s=[]}){let a=ce(null);P(()=>{let f=a.current,l=document.activeElement;f.open||f.showModal();let u=f.querySelector("[data-autofocus]")||f.querySelector(Lt);return u&&u.focus(),()=>{f.open&&f.close();let m=s.map(i=>document.getElementById(i)).find(i=>i)||(l&&l.isConnected&&l!==document.body?l:null);m&&m.focus()}},[]);let c=f=>{if(f.key!=="Tab")return;let l=[...a.current.querySelectorAll(Lt)].filter(i=>i.offsetParent!==null);if(l.length===0)return;let u=l[0],m=l[l.length-1];f.shiftKey&&(document.activeElement===u||!a.current.contains(document.activeElement))?(f.preventDefault(),m.focus()):!f.shiftKey&&(document.activeElement===m||!a.current.contains(document.activeElement))&&(f.preventDefault(),u.focus())},d=f=>{f.preventDefault(),n()};return _`<dialog id=${e} ref=${a} class=${"dialog"+(r?" wide":"")} aria-labelledby=${e+"-title"}
    onKeyDown=${c} onCancel=${d}>
    <h2 id=${e+"-title"}>${t}</h2>
    ${o}
  </dialog>`}function S({id:e,label:t,hint:n,error:o,children:r}){return _`<div class=${"field"+(o?" invalid":"")}>
    <label for=${e}>${t}</label>
    ${r}
    ${n&&_`<p class="hint" id=${e+"-hint"}>${n}</p>`}
    ${o&&_`<p class="error" id=${e+"-error"} role="alert">${o}</p>`}
  </div>`}function D(e,t,n){let o=[];return t&&o.push(e+"-hint"),n&&o.push(e+"-error"),o.length?o.join(" "):void 0}function G(e,t){return e&&e.code==="BAD_USER_INPUT"&&e.field&&t[e.field]?{fields:{[t[e.field]]:C(e)},form:null}:{fields:{},form:C(e)}}function N({id:e,message:t}){return t?_`<p class="error form-error" id=${e} role="alert">${t}</p>`:null}function Ut({counts:e,label:t}){let n=Math.max(1,...e),o=64,r=24,s=o/e.length;return _`<svg class="sparkline" role="img" aria-label=${t} viewBox=${`0 0 ${o} ${r}`} width=${o} height=${r}>
    <title>${t}</title>
    <line class="baseline" x1="0" y1=${r-.5} x2=${o} y2=${r-.5} />
    ${e.map((a,c)=>{let d=a===0?0:Math.max(2,Math.round(a/n*(r-2)));return _`<rect x=${(c*s).toFixed(2)} y=${r-d} width=${Math.max(1,s-.6).toFixed(2)} height=${d} />`})}
  </svg>`}function Ue({id:e,secret:t,copied:n,onCopy:o}){let r=async()=>{let s=document.getElementById(e),a=!1;try{await navigator.clipboard.writeText(t),a=!0}catch{s.select(),a=document.execCommand("copy")}o(a)};return _`<div class="show-once">
    <p class="warning" id=${e+"-warning"}><strong>Copy this key now.</strong> It will not be shown again: Keyfob keeps only a hash of it.
      If you lose it, roll the key or create a new one.</p>
    <label for=${e}>Your new API key</label>
    <div class="secret-row">
      <input id=${e} class="secret" type="text" readonly value=${t} aria-describedby=${e+"-warning"}
        spellcheck="false" autocomplete="off" data-autofocus onFocus=${s=>s.target.select()} />
      <button type="button" id=${e+"-copy"} onClick=${r}>Copy</button>
    </div>
    <p class="copy-status" role="status">${n===!0?"Copied to the clipboard.":n===!1?"Copying failed: select the key and copy it yourself.":""}</p>
  </div>`}var Jt={email:"email",password:"password"},Zt={accountName:"account",name:"name",email:"email",password:"password"};function Nt({message:e,onSignedIn:t}){let[n,o]=$("login");return _`<main class="auth" id="main">
    <h1>Keyfob API keys</h1>
    ${e&&_`<p class="notice" id="auth-message" role="status">${e}</p>`}
    ${n==="login"?_`<${en} onSignedIn=${t} />
          <p class="switch-mode">New to Keyfob? <button type="button" class="link" id="show-signup" onClick=${()=>o("signup")}>Create an account</button></p>`:_`<${tn} onSignedIn=${t} />
          <p class="switch-mode">Have an account? <button type="button" class="link" id="show-login" onClick=${()=>o("login")}>Log in</button></p>`}
  </main>`}function en({onSignedIn:e}){let[t,n]=$(""),[o,r]=$(""),[s,a]=$(!1),[c,d]=$({fields:{},form:null}),f=async u=>{u.preventDefault();let m=o;r(""),u.target.querySelector("#login-password").value="",a(!0),d({fields:{},form:null});try{let i=await x(ut,{in:{email:t,password:m,client:"WEB"}});e(i.logIn.token,i.logIn.user)}catch(i){d(G(i,Jt)),a(!1)}},l=c.fields;return _`<form class="card" id="login-form" onSubmit=${f} aria-labelledby="login-title" novalidate>
    <h2 id="login-title">Log in</h2>
    <${S} id="login-email" label="Email" error=${l.email}>
      <input id="login-email" type="email" autocomplete="username" required value=${t}
        aria-invalid=${l.email?"true":void 0} aria-describedby=${D("login-email",null,l.email)}
        onInput=${u=>n(u.target.value)} />
    <//>
    <${S} id="login-password" label="Password" error=${l.password}>
      <input id="login-password" type="password" autocomplete="current-password" required value=${o}
        aria-invalid=${l.password?"true":void 0} aria-describedby=${D("login-password",null,l.password)}
        onInput=${u=>r(u.target.value)} />
    <//>
    <${N} id="login-error" message=${c.form} />
    <div class="actions"><button type="submit" class="primary" id="login-submit" disabled=${s}>${s?"Logging in…":"Log in"}</button></div>
  </form>`}function tn({onSignedIn:e}){let[t,n]=$({accountName:"",name:"",email:""}),[o,r]=$(""),[s,a]=$(!1),[c,d]=$({fields:{},form:null}),f=i=>p=>n({...t,[i]:p.target.value}),l=async i=>{i.preventDefault();let p=o;r(""),i.target.querySelector("#signup-password").value="",a(!0),d({fields:{},form:null});try{let y=await x(dt,{in:{...t,password:p}});e(y.signUp.token,y.signUp.user)}catch(y){d(G(y,Zt)),a(!1)}},u=c.fields,m=(i,p,y,h)=>_`<input id=${i} type=${y} autocomplete=${h} required
    value=${t[p]} aria-invalid=${u[i.slice(7)]?"true":void 0}
    aria-describedby=${D(i,null,u[i.slice(7)])} onInput=${f(p)} />`;return _`<form class="card" id="signup-form" onSubmit=${l} aria-labelledby="signup-title" novalidate>
    <h2 id="signup-title">Create an account</h2>
    <${S} id="signup-account" label="Company or account name" error=${u.account}>${m("signup-account","accountName","text","organization")}<//>
    <${S} id="signup-name" label="Your name" error=${u.name}>${m("signup-name","name","text","name")}<//>
    <${S} id="signup-email" label="Email" error=${u.email}>${m("signup-email","email","email","username")}<//>
    <${S} id="signup-password" label="Password" hint="8 to 256 characters." error=${u.password}>
      <input id="signup-password" type="password" autocomplete="new-password" required value=${o}
        aria-invalid=${u.password?"true":void 0} aria-describedby=${D("signup-password",!0,u.password)}
        onInput=${i=>r(i.target.value)} />
    <//>
    <${N} id="signup-error" message=${c.form} />
    <div class="actions"><button type="submit" class="primary" id="signup-submit" disabled=${s}>${s?"Creating…":"Create account"}</button></div>
  </form>`}function Tt({viewer:e,notify:t}){let n=e.role==="OWNER"||e.role==="ADMIN",[o,r]=$([]),[s,a]=$({total:0,hasNext:!1,cursor:null}),[c,d]=$(!0),[f,l]=$(null),[u,m]=$(null),i=async()=>{d(!0);try{let g=(await x(Le,{after:null})).apiKeys;r(g.nodes),a({total:g.totalCount,hasNext:g.pageInfo.hasNextPage,cursor:g.pageInfo.endCursor}),l(null)}catch(h){l(ct(h)?null:C(h))}d(!1)},p=async()=>{d(!0);try{let g=(await x(Le,{after:s.cursor})).apiKeys;r(b=>[...b,...g.nodes.filter(A=>!b.some(w=>w.id===A.id))]),a({total:g.totalCount,hasNext:g.pageInfo.hasNextPage,cursor:g.pageInfo.endCursor}),l(null)}catch(h){l(C(h))}d(!1)};P(()=>{i()},[]);let y=h=>{m(null),h&&i()};return _`<section aria-labelledby="keys-title" id="keys-screen" aria-busy=${c?"true":"false"}>
    <div class="heading-row">
      <h2 id="keys-title">API keys</h2>
      <div class="heading-actions">
        <button type="button" id="refresh-keys" onClick=${i} disabled=${c}>Refresh</button>
        <button type="button" class="primary" id="create-key" onClick=${()=>m({kind:"create"})}>Create API Key</button>
      </div>
    </div>
    <p class="lede">${(n?"Every key of the account, newest first. ":"Your keys, newest first. ")+"Each integration should have a key of its own. Hover over or focus a key's name to see which integrations used it."}</p>
    ${f&&_`<p class="error" role="alert" id="keys-error">${f}</p>`}
    <p class="count" id="keys-count" aria-live="polite">${c&&o.length===0?"Loading keys…":s.total===0?"No API keys yet. Create one for your first integration.":`Showing ${o.length} of ${U(s.total,"key","keys")}.`}</p>
    ${o.length>0&&_`<${sn} keys=${o} manager=${n} onAction=${(h,g)=>m({kind:h,key:g})} />`}
    ${s.hasNext&&_`<div class="more"><button type="button" id="load-more" onClick=${p} disabled=${c}>Load more</button></div>`}
    ${u&&u.kind==="create"&&_`<${cn} onClose=${y} />`}
    ${u&&u.kind==="edit"&&_`<${dn} apiKey=${u.key} onClose=${y} onGone=${()=>y(!0)} />`}
    ${u&&u.kind==="roll"&&_`<${pn} apiKey=${u.key} onClose=${y} />`}
    ${u&&u.kind==="delete"&&_`<${_n} apiKey=${u.key} notify=${t} onClose=${y} />`}
  </section>`}var nn={ACTIVE:"Active",EXPIRED:"Expired",LEAKED:"Leaked"};function sn({keys:e,manager:t,onAction:n}){let[o,r]=$(null);return _`<div class="table-wrap" role="region" aria-labelledby="keys-title" tabindex="0">
    <table id="keys-table">
      <thead><tr>
        <th scope="col">Name</th>
        <th scope="col">Key</th>
        ${t&&_`<th scope="col">Owner</th>`}
        <th scope="col">Created</th>
        <th scope="col">Last Used</th>
        <th scope="col">Expires</th>
        <th scope="col">Access</th>
        <th scope="col">Status</th>
        <th scope="col">30 days</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${e.map(s=>_`<${on} key=${s.id} k=${s} manager=${t} onAction=${n}
          cardOpen=${o===s.id} setCard=${r} />`)}
      </tbody>
    </table>
  </div>`}function on({k:e,manager:t,onAction:n,cardOpen:o,setCard:r}){let s=e.dailyUsage.map(i=>i.requestCount),a=s.reduce((i,p)=>i+p,0),c=At(s.length),d=s.indexOf(Math.max(...s)),f=a===0?"No requests in the last 30 days":`${U(a,"request","requests")} in the last 30 days, most on ${c[d]} (${s[d]})`,l="card-"+e.id,u=()=>r(e.id),m=()=>r(i=>i===e.id?null:i);return _`<tr data-key-id=${e.id} class=${"status-"+e.status.toLowerCase()}>
    <td class="name-cell" onMouseEnter=${u} onMouseLeave=${m}>
      <button type="button" class="key-name" id=${"name-"+e.id} aria-describedby=${o?l:void 0} aria-expanded=${o?"true":"false"}
        onFocus=${u} onBlur=${m} onClick=${()=>o?m():u()}
        onKeyDown=${i=>{i.key==="Escape"&&o&&(i.stopPropagation(),m())}}>
        ${e.name}${e.isDefault&&_` <span class="tag">Default</span>`}
      </button>
      ${e.note&&_`<div class="note">${e.note}</div>`}
      ${o&&_`<${rn} id=${l} anchorId=${"name-"+e.id} k=${e} />`}
    </td>
    <td><code class="last4">…${e.last4}</code></td>
    ${t&&_`<td class="owner"><span>${e.owner.name}</span><br /><span class="muted email">${e.owner.email}</span></td>`}
    <td class="created"><time datetime=${e.createdAt} title=${I(e.createdAt)}>${de(e.createdAt)}</time></td>
    <td class="last-used">${e.lastUsedAt?_`<time datetime=${e.lastUsedAt}>${I(e.lastUsedAt)}</time>`:"Never"}</td>
    <td class="expires">${e.expiresAt?_`<time datetime=${e.expiresAt} title=${I(e.expiresAt)}>${de(e.expiresAt)}</time>`:"Never"}</td>
    <td class="access">${wt[e.access]}</td>
    <td class="status"><${an} k=${e} /></td>
    <td class="usage"><${Ut} counts=${s} label=${f} /></td>
    <td class="row-actions">
      <button type="button" id=${"edit-"+e.id} data-action="edit" aria-label=${"Edit "+e.name} onClick=${()=>n("edit",e)}>Edit</button>
      ${e.status!=="EXPIRED"&&_`<button type="button" id=${"roll-"+e.id} data-action="roll" aria-label=${"Roll "+e.name} onClick=${()=>n("roll",e)}>Roll</button>`}
      <button type="button" class="danger" id=${"delete-"+e.id} data-action="delete" aria-label=${"Delete "+e.name} onClick=${()=>n("delete",e)}>Delete</button>
    </td>
  </tr>`}function an({k:e}){return _`<span class=${"badge "+e.status.toLowerCase()}>${nn[e.status]||e.status}</span>
    ${e.status==="LEAKED"&&e.leak&&_`<div class="status-detail">Found in public (${e.leak.source}), ${de(e.leak.reportedAt)}. Roll it for a new secret.</div>`}
    ${e.status==="EXPIRED"&&_`<div class="status-detail">Since ${I(e.expiresAt)}. Create a new key instead.</div>`}
    ${e.previousSecretExpiresAt&&_`<div class="status-detail previous">Previous secret works until ${I(e.previousSecretExpiresAt)};
      ${e.previousSecretLastUsedAt?" last used "+I(e.previousSecretLastUsedAt):" not used since the roll"}.</div>`}`}function rn({id:e,anchorId:t,k:n}){let o=n.usageByIntegration,r=ce(null);return ot(()=>{let s=()=>{let a=document.getElementById(t),c=r.current;if(!a||!c)return;let d=a.getBoundingClientRect(),f=c.offsetWidth,l=c.offsetHeight,u=d.bottom+6+l<=window.innerHeight||d.top-6-l<0;c.style.left=Math.max(8,Math.min(d.left,window.innerWidth-f-8))+"px",c.style.top=(u?d.bottom+6:d.top-6-l)+"px"};return s(),window.addEventListener("scroll",s,!0),window.addEventListener("resize",s),()=>{window.removeEventListener("scroll",s,!0),window.removeEventListener("resize",s)}},[t]),_`<div class="hover-card" id=${e} role="tooltip" ref=${r}>
    <p class="card-title">Integrations using ${n.name}</p>
    ${o.length===0?_`<p>No integration has used this key yet.</p>`:_`<table class="integrations">
          <thead><tr><th scope="col">Integration</th><th scope="col">First used</th><th scope="col">Last used</th><th scope="col">Requests</th></tr></thead>
          <tbody>${o.map(s=>_`<tr>
            <td>${s.integration}</td><td>${I(s.firstUsedAt)}</td><td>${I(s.lastUsedAt)}</td><td class="num">${s.requestCount}</td>
          </tr>`)}</tbody>
        </table>`}
  </div>`}var ln={name:"name",note:"note",expiresAt:"expiry",access:"access"};function cn({onClose:e}){let[t,n]=$({name:"",note:"",expiry:"never",date:"",access:"FULL"}),[o,r]=$(!1),[s,a]=$({fields:{},form:null}),[c,d]=$(null),[f,l]=$(null),u=h=>g=>n({...t,[h]:g.target.value}),m=async h=>{h.preventDefault();let g=Ct(t.expiry,t.date);if(g===void 0){a({fields:{expiry:"Choose the date the key stops working."},form:null});return}r(!0),a({fields:{},form:null});try{let b={name:t.name,access:t.access,expiresAt:g};t.note.trim()&&(b.note=t.note);let A=await x(ft,{in:b});d({secret:A.createApiKey.secret,name:A.createApiKey.apiKey.name})}catch(b){a(G(b,ln))}r(!1)},i=()=>e(c!==null);if(c)return _`<${R} key="secret" id="create-dialog" title=${`"${c.name}" is ready`} onClose=${i} returnTo=${["create-key"]}>
      <${Ue} id="new-secret" secret=${c.secret} copied=${f} onCopy=${l} />
      <div class="actions"><button type="button" class="primary" id="secret-done" onClick=${i}>I have copied it: close</button></div>
    <//>`;let p=s.fields,y=new Date().toISOString().slice(0,10);return _`<${R} key="form" id="create-dialog" title="Create API Key" onClose=${()=>e(!1)} returnTo=${["create-key"]}>
    <form onSubmit=${m} novalidate>
      <${S} id="key-name" label="Name" hint="The integration it is for, such as Zapier or Website lead form." error=${p.name}>
        <input id="key-name" type="text" required maxlength="100" value=${t.name} data-autofocus autocomplete="off"
          aria-invalid=${p.name?"true":void 0} aria-describedby=${D("key-name",!0,p.name)} onInput=${u("name")} />
      <//>
      <${S} id="key-note" label="Note (optional)" hint="What the key is for, for whoever reads this list later." error=${p.note}>
        <textarea id="key-note" rows="2" maxlength="500" value=${t.note}
          aria-invalid=${p.note?"true":void 0} aria-describedby=${D("key-note",!0,p.note)} onInput=${u("note")}></textarea>
      <//>
      <${S} id="key-expiry" label="Expires" error=${p.expiry}>
        <select id="key-expiry" value=${t.expiry} onChange=${u("expiry")}
          aria-invalid=${p.expiry?"true":void 0} aria-describedby=${D("key-expiry",null,p.expiry)}>
          ${xt.map(h=>_`<option value=${h.value}>${h.label}</option>`)}
        </select>
      <//>
      ${t.expiry==="date"&&_`<${S} id="key-expiry-date" label="Works until the end of" hint="In your time zone. An expiry cannot be changed later.">
        <input id="key-expiry-date" type="date" min=${y} value=${t.date} onInput=${u("date")}
          aria-describedby=${D("key-expiry-date",!0,null)} />
      <//>`}
      <fieldset class=${"field"+(p.access?" invalid":"")}>
        <legend>Access</legend>
        <label class="choice"><input type="radio" name="access" id="access-full" value="FULL" checked=${t.access==="FULL"} onChange=${u("access")} />
          Full: whatever you may do</label>
        <label class="choice"><input type="radio" name="access" id="access-read" value="READ_ONLY" checked=${t.access==="READ_ONLY"} onChange=${u("access")} />
          Read-only</label>
        ${p.access&&_`<p class="error" role="alert">${p.access}</p>`}
      </fieldset>
      <${N} id="create-error" message=${s.form} />
      <div class="actions">
        <button type="button" onClick=${()=>e(!1)}>Cancel</button>
        <button type="submit" class="primary" id="create-submit" disabled=${o}>${o?"Creating…":"Create key"}</button>
      </div>
    </form>
  <//>`}var un={name:"name",note:"note",access:"access"};function dn({apiKey:e,onClose:t,onGone:n}){let[o,r]=$({name:e.name,note:e.note||"",access:e.access}),[s,a]=$(!1),[c,d]=$({fields:{},form:null}),f=m=>i=>r({...o,[m]:i.target.value}),l=async m=>{m.preventDefault(),a(!0),d({fields:{},form:null});try{await x(mt,{in:{id:e.id,name:o.name,note:o.note,access:o.access}}),t(!0)}catch(i){if(i.code==="NOT_FOUND")return n();d(G(i,un)),a(!1)}},u=c.fields;return _`<${R} id="edit-dialog" title=${`Edit "${e.name}"`} onClose=${()=>t(!1)} returnTo=${["edit-"+e.id,"create-key"]}>
    <form onSubmit=${l} novalidate>
      <${S} id="edit-name" label="Name" error=${u.name}>
        <input id="edit-name" type="text" required maxlength="100" value=${o.name} data-autofocus autocomplete="off"
          aria-invalid=${u.name?"true":void 0} aria-describedby=${D("edit-name",null,u.name)} onInput=${f("name")} />
      <//>
      <${S} id="edit-note" label="Note (optional)" error=${u.note}>
        <textarea id="edit-note" rows="2" maxlength="500" value=${o.note}
          aria-invalid=${u.note?"true":void 0} aria-describedby=${D("edit-note",null,u.note)} onInput=${f("note")}></textarea>
      <//>
      <${S} id="edit-access" label="Access" hint="A new access holds from the key's next request." error=${u.access}>
        <select id="edit-access" value=${o.access} onChange=${f("access")} aria-describedby=${D("edit-access",!0,u.access)}>
          <option value="FULL">Full</option>
          <option value="READ_ONLY">Read-only</option>
        </select>
      <//>
      <p class="hint">The secret, owner, expiry and usage stay as they are.</p>
      <${N} id="edit-error" message=${c.form} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="edit-submit" disabled=${s}>${s?"Saving…":"Save"}</button>
      </div>
    </form>
  <//>`}function pn({apiKey:e,onClose:t}){let n=e.status==="LEAKED",[o,r]=$(n?0:3600),[s,a]=$(!1),[c,d]=$(null),[f,l]=$(null),[u,m]=$(null),i=async y=>{y.preventDefault(),a(!0),d(null);try{let h=await x(ht,{in:{id:e.id,gracePeriodSeconds:o}});l({secret:h.rollApiKey.secret,previousUntil:h.rollApiKey.apiKey.previousSecretExpiresAt})}catch(h){d(C(h))}a(!1)},p=()=>t(f!==null);return f?_`<${R} key="secret" id="roll-dialog" title=${`"${e.name}" has a new secret`} onClose=${p} returnTo=${["roll-"+e.id,"create-key"]}>
      <${Ue} id="rolled-secret" secret=${f.secret} copied=${u} onCopy=${m} />
      <p id="roll-result">${f.previousUntil?_`The previous secret keeps working until <strong>${I(f.previousUntil)}</strong>, then stops.`:_`The previous secret <strong>stopped working now</strong>.`}
        ${" "}${e.lastUsedAt?`It was last used ${I(e.lastUsedAt)}.`:"It was never used."}
        ${f.previousUntil&&" The list shows whether anything still uses it."}</p>
      <div class="actions"><button type="button" class="primary" id="roll-done" onClick=${p}>I have copied it: close</button></div>
    <//>`:_`<${R} key="form" id="roll-dialog" title=${`Roll "${e.name}"`} onClose=${()=>t(!1)} returnTo=${["roll-"+e.id,"create-key"]}>
    <form onSubmit=${i} novalidate>
      <p>Rolling gives the key a new secret. Its name, note, access, owner, expiry and usage stay.
        The previous secret was last used: ${e.lastUsedAt?I(e.lastUsedAt):"never"}.</p>
      ${n?_`<p class="warning" id="roll-leaked">This key's secret leaked, so it stops at once: there is no grace period for a leaked secret.</p>`:_`<fieldset class="field">
            <legend>The previous secret stops working</legend>
            ${kt.map(y=>_`<label class="choice">
              <input type="radio" name="grace" value=${y.seconds} id=${"grace-"+y.seconds} checked=${o===y.seconds}
                onChange=${()=>r(y.seconds)} /> ${y.label}</label>`)}
          </fieldset>`}
      <${N} id="roll-error" message=${c} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="roll-submit" disabled=${s}>${s?"Rolling…":"Roll key"}</button>
      </div>
    </form>
  <//>`}function _n({apiKey:e,notify:t,onClose:n}){let[o,r]=$(!1),[s,a]=$(null),c=e.activeMobileSessions,d=async f=>{f.preventDefault(),r(!0),a(null);try{let u=(await x(yt,{in:{id:e.id}})).deleteApiKey.loggedOutMobileSessions;t(`Deleted "${e.name}".`+(e.isDefault||u>0?` It logged out ${U(u,"mobile app session","mobile app sessions")}.`:"")),n(!0)}catch(l){if(l.code==="NOT_FOUND"){t(`"${e.name}" was already deleted.`),n(!0);return}a(C(l)),r(!1)}};return _`<${R} id="delete-dialog" title=${`Delete "${e.name}"?`} onClose=${()=>n(!1)} returnTo=${["delete-"+e.id,"create-key"]}>
    <form onSubmit=${d}>
      <p id="delete-warning">Integrations using this key (…${e.last4}) stop working at once. This cannot be undone.
        ${e.isDefault&&_` <strong>This is ${e.owner.name}'s Default API Key: the mobile apps' sessions are tied to it, so deleting it logs
        ${" "}${e.owner.name} out of the mobile apps (${U(c,"active session","active sessions")}).</strong>`}</p>
      <${N} id="delete-error" message=${s} />
      <div class="actions">
        <button type="button" onClick=${()=>n(!1)} data-autofocus>Cancel</button>
        <button type="submit" class="danger" id="delete-confirm" disabled=${o}>${o?"Deleting…":"Delete key"}</button>
      </div>
    </form>
  <//>`}function Pt({viewer:e,notify:t}){let[n,o]=$(null),[r,s]=$(null),[a,c]=$(null),[d,f]=$(null),l=e.role==="OWNER"||e.role==="ADMIN",u=async()=>{try{if(l)o((await x($t)).account);else{let p=await x(vt);o({...p.account,users:null,viewerAccess:p.viewer.apiAccess})}s(null)}catch(p){s(C(p))}};P(()=>{u()},[]);let m=async(p,y)=>{f(p.id);try{let g=(await x(gt,{in:{userId:p.id,enabled:y}})).setUserApiAccess;t(y?`${p.name} may create API keys again.`:`${p.name} may no longer create API keys. Deleted ${U(g.deletedApiKeys,"key","keys")}`+(g.loggedOutMobileSessions?` and logged out ${U(g.loggedOutMobileSessions,"mobile app session","mobile app sessions")}.`:".")),s(null)}catch(h){s(C(h))}f(null),c(null),u()};if(!n)return _`<section aria-labelledby="access-title" id="access-screen"><h2 id="access-title">Who may create keys</h2>
      ${r?_`<p class="error" role="alert">${r}</p>`:_`<p>Loading…</p>`}</section>`;let i=e.role==="OWNER";return _`<section aria-labelledby="access-title" id="access-screen">
    <h2 id="access-title">Who may create keys</h2>
    ${r&&_`<p class="error" role="alert" id="access-error">${r}</p>`}
    ${n.apiKeyRestriction?_`<p class="notice" id="access-line">The API Key Restriction Power-Up is on: the account owner decides who may create API keys.
          ${i?" Turning a user's access off deletes their keys.":""}</p>`:_`<p class="notice" id="access-line">Everyone in the account may create API keys: the API Key Restriction Power-Up is off.
          With it, the account owner decides who may.</p>`}
    ${!l&&_`<p id="own-access">${n.viewerAccess?"You may create API keys.":"You may not create API keys: ask the account owner."}</p>`}
    ${l&&n.users&&_`<div class="table-wrap" role="region" aria-labelledby="access-title" tabindex="0">
      <table id="users-table">
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Keys</th><th scope="col">API access</th></tr></thead>
        <tbody>${n.users.map(p=>_`<tr data-user-id=${p.id}>
          <td>${p.name}<br /><span class="muted">${p.email}</span></td>
          <td>${pe[p.role]}</td>
          <td class="num">${p.apiKeyCount}</td>
          <td>${p.role==="OWNER"?"Always":i&&n.apiKeyRestriction?_`<button type="button" role="switch" class="switch" id=${"access-"+p.id} aria-checked=${p.apiAccess?"true":"false"}
                  data-user-id=${p.id} aria-label=${"API access for "+p.name} disabled=${d===p.id}
                  onClick=${()=>p.apiAccess?c(p):m(p,!0)}>
                  <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
                  <span class="switch-text">${p.apiAccess?"On":"Off"}</span>
                </button>`:p.apiAccess?"Yes":"No"}</td>
        </tr>`)}</tbody>
      </table>
    </div>`}
    ${a&&_`<${R} id="access-dialog" title=${`Turn off API access for ${a.name}?`} onClose=${()=>c(null)} returnTo=${["access-"+a.id]}>
      <p id="access-warning">${a.name} will no longer be able to create API keys, and
        <strong> this deletes ${a.apiKeyCount===1?"their 1 key":`their ${a.apiKeyCount} keys`}</strong>${a.apiKeyCount>0?": integrations using them stop working at once":""}.</p>
      <${N} id="access-dialog-error" message=${null} />
      <div class="actions">
        <button type="button" onClick=${()=>c(null)} data-autofocus>Cancel</button>
        <button type="button" class="danger" id="access-confirm" disabled=${d!==null} onClick=${()=>m(a,!1)}>
          Turn off and delete ${U(a.apiKeyCount,"key","keys")}</button>
      </div>
    <//>`}
  </section>`}function Rt(){let[e,t]=$([null]),[n,o]=$(null),[r,s]=$(null),[a,c]=$(!1),d=e[e.length-1],f=e.length;return P(()=>{let l=!0;return c(!0),x(bt,{after:d}).then(u=>{l&&(o({number:f,...u.auditEvents}),s(null))}).catch(u=>l&&s(C(u))).finally(()=>l&&c(!1)),()=>{l=!1}},[d,f]),_`<section aria-labelledby="audit-title" id="audit-screen" aria-busy=${a?"true":"false"}>
    <h2 id="audit-title">Audit log</h2>
    <p class="lede">Who did what to the account's keys and users, newest first.</p>
    ${r&&_`<p class="error" role="alert" id="audit-error">${r}</p>`}
    ${n&&_`<p class="count" id="audit-count" aria-live="polite">Page ${n.number} of ${Math.max(1,Math.ceil(n.totalCount/20))}, ${U(n.totalCount,"event","events")} in all.</p>
      <div class="table-wrap" role="region" aria-labelledby="audit-title" tabindex="0">
        <table id="audit-table">
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Key</th><th scope="col">User</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead>
          <tbody>${n.nodes.map(l=>_`<tr>
            <td class="when"><time datetime=${l.occurredAt}>${I(l.occurredAt)}</time></td>
            <td>${Et[l.action]||l.action}</td>
            <td>${l.actorEmail||_`<span class="muted">nobody signed in</span>`}</td>
            <td>${l.apiKeyName&&_`${l.apiKeyName} <code class="last4">…${l.apiKeyLast4}</code>`}</td>
            <td>${l.targetUser?l.targetUser.email:""}</td>
            <td>${l.detail||""}</td>
            <td class="from">${l.ip||""}${l.userAgent&&_`<br /><span class="muted ua">${l.userAgent}</span>`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`}
    <div class="pager">
      <button type="button" id="audit-newer" disabled=${f===1||a} onClick=${()=>t(e.slice(0,-1))}>Newer events</button>
      <button type="button" id="audit-older" disabled=${!n||!n.pageInfo.hasNextPage||a}
        onClick=${()=>t([...e,n.pageInfo.endCursor])}>Older events</button>
    </div>
  </section>`}var fn="Your session has ended: it expired, or you logged out elsewhere. Log in again.";function mn(){let[e,t]=$(Ie()?void 0:null),[n,o]=$(null),[r,s]=$(null),[a,c]=$(null),[d,f]=$("keys");P(()=>{rt({sessionEnded:()=>{t(null),c(null),o(fn)},unavailable:y=>s(C(y)),reachable:()=>s(null)}),Ie()&&x(_t).then(y=>t(y.viewer),y=>{y.code!=="UNAUTHENTICATED"&&o(C(y)),ue(),t(null)})},[]);let l=(y,h)=>{lt(y),o(null),f("keys"),t(h)},u=async()=>{try{await x(pt)}catch{}ue(),t(null),c(null),o("You have logged out.")},m=r&&_`<div class="banner" id="banner" role="alert">
    <span>${r}</span> <button type="button" class="link" onClick=${()=>s(null)}>Dismiss</button></div>`;if(e===void 0)return _`${m}<main id="main" class="auth"><h1>Keyfob API keys</h1><p role="status">Checking your session…</p></main>`;if(e===null)return _`${m}<${Nt} message=${n} onSignedIn=${l} />`;let i=e.role==="OWNER"||e.role==="ADMIN",p=[["keys","API keys"],["access","Who may create keys"],...i?[["audit","Audit log"]]:[]];return _`<header class="topbar">
      <div class="brand">Keyfob <span class="muted">· ${e.account.name}</span></div>
      <nav aria-label="Screens">
        ${p.map(([y,h])=>_`<button type="button" id=${"nav-"+y} class="tab" aria-current=${d===y?"page":void 0}
          onClick=${()=>{c(null),f(y)}}>${h}</button>`)}
      </nav>
      <div class="who"><span id="who">${e.email} (${pe[e.role]})</span>
        <button type="button" id="logout" onClick=${u}>Log out</button></div>
    </header>
    ${m}
    <main id="main">
      <h1 class="visually-hidden">Keyfob API keys</h1>
      <p class="notice" id="notice" role="status">${a||""}</p>
      ${d==="keys"&&_`<${Tt} viewer=${e} notify=${c} />`}
      ${d==="access"&&_`<${Pt} viewer=${e} notify=${c} />`}
      ${d==="audit"&&i&&_`<${Rt} />`}
    </main>`}Ge(_`<${mn} />`,document.getElementById("app"));})();
