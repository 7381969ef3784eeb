(()=>{var v,Ke,Rt,O,fe,se,Oe,ee,Me,he,me,Kt,j=Symbol.for("pv"),oe={},ae=[],Ot=/^m(i|n|o|s|text|space)$/,ye=Array.isArray,ge=ae.slice,B=Object.assign;function W(e){e&&e.parentNode&&e.remove()}function qe(e,t,n){var o,i,s,a={},l=arguments.length;for(s in t)s=="key"?o=t[s]:s=="ref"&&typeof e!="function"?i=t[s]:a[s]=t[s];return l>2&&(a.children=l>3?ge.call(arguments,2):n),G(e,a,o,i,null)}function G(e,t,n,o,i){var s={type:e,props:t,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__c:null,constructor:j,__v:i||++Ke,__i:-1,__u:0};return!i&&v.vnode&&v.vnode(s),s}function ie(e){return e.children}function te(e,t){this.props=e,this.context=t,this.__g=0}function M(e,t){if(t==null)return e.__&&M(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:M(e)}function Mt(e){var t,n=e.__v,o=n.__e,i=[],s=[],a=e.__P;a&&((t=B({constructor:j},n)).__v=n.__v+1,v.vnode&&v.vnode(t),$e(a,t,n,e.__n,a.namespaceURI,32&n.__u?[o]:null,i,o||M(n),32&n.__u,s),t.__v=n.__v,t.__.__k[t.__i]=t,Ve(i,t,s),n.__=n.__e=null,t.__e!=o&&Fe(t))}function Fe(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Fe(e)}function Te(e){(8&e.__g||(e.__g|=8,O.push(e),se++))&&fe==v.debounceRendering||((fe=v.debounceRendering)||queueMicrotask)(We)}function We(){try{for(var e,t=1;O.length;)O.length>t&&O.sort(Oe),e=O.shift(),t=O.length,8&e.__g&&Mt(e)}finally{(se=O.length)&&(fe||queueMicrotask)(We)}}function Be(e,t,n,o,i,s,a,l,u,f,c){var d,m,r,p,y,h,$=o.__k||ae,b=t.length;for(u=qt(n,t,$,u,b),d=0;d<b;d++)(r=n.__k[d])!=null&&(m=~r.__i&&$[r.__i]||oe,r.__i=d,h=$e(e,r,m,i,s,a,l,u,f,c),p=r.__e,(m.ref!=r.ref||8&m.__u)&&(m.ref&&be(m.ref,null,r,m),r.ref&&c.push(r.ref,r.__c||p,r)),y=y||p,4&r.__u?(u=He(r,u,e,!m.__v),m.__e&&(m.__e=null)):typeof r.type=="function"&&h!==void 0?u=h:p&&(u=p.nextSibling),r.__u&=-21);return n.__e=y,u}function qt(e,t,n,o,i){var s,a,l,u,f,c,d,m,r,p=n.length,y=p,h=0,$=0,b=e.__k=Array(i);for(s=0;s<i;s++)(a=t[s])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a!="object"||a.constructor===String?a=b[s]=G(null,a):ye(a)?a=b[s]=G(ie,{children:a}):a.constructor===j&&a.__b?a=b[s]=G(a.type,a.props,a.key,a.ref,a.__v):b[s]=a,u=s+h,a.__=e,a.__b=e.__b+1,l=null,~(f=a.__i=Ft(a,n,u,y))&&(y--,(l=n[f])&&(l.__u|=2)),l&&l.__v?(a.__u|=16,f==u-1?h--:f==u+1?h++:f!=u&&(f>u?h--:h++,$=1)):(~f||(i>p?h--:i<p&&h++),typeof a.type!="function"&&(a.__u|=4))):b[s]=null;if($){for(c=[],d=[],s=0;s<i;s++)if((a=b[s])&&16&a.__u){for(h=0,m=c.length;h<m;)c[r=h+m>>1]<a.__i?h=r+1:m=r;c[h]=a.__i,d[s]=h+1}for(h=c.length;s--;)d[s]&&(d[s]==h?h--:b[s].__u|=4)}if(y)for(s=0;s<p;s++)!(l=n[s])||2&l.__u||(l.__e==o&&(o=M(l)),ve(l,l));return o}function He(e,t,n,o){var i,s,a,l;if(typeof e.type=="function"){if(e.props.__P)return t;if(i=e.__k)for(s=0;s<i.length;s++)i[s]&&(i[s].__=e,t=He(i[s],t,n,!1));return t}for(t&&!t.parentNode&&(t=M(e))&&!t.parentNode&&(t=null),a=e.__e,l=t;l&&l.nodeType==8;)l=l.nextSibling;for(a!=l&&(!o&&n.moveBefore&&a.parentNode?n.moveBefore(a,t):n.insertBefore(a,t||null)),t=a;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Ft(e,t,n,o){var i,s=e.key,a=e.type,l=t[n],u=l&&!(2&l.__u);if(l===null&&s==null||u&&s==l.key&&a==l.type)return n;if(o>(u?1:0)){for(i=n-1;i>=0;i--)if((l=t[i])&&!(2&l.__u)&&s==l.key&&a==l.type)return i;for(i=n+1;i<t.length;i++)if((l=t[i])&&!(2&l.__u)&&s==l.key&&a==l.type)return i}return-1}function Re(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function Z(e,t,n,o,i){var s,a;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof o=="string"&&(e.style.cssText=o=""),o)for(t in o)n&&t in n||Re(e.style,t);if(n)for(t in n)o&&n[t]==o[t]||Re(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof o!="function"&&(o=null),(e.__e||(e.__e={}))[t]=n,n&&o||(a=me[t]||(me[t]=Wt(t)),(e.__a||(e.__a={}))[t]=he,s=t!=(t=t.replace(Me,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,a,s):e.removeEventListener(t,a,s));else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function Wt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[ee]==null)t[ee]=he++;else if(t[ee]<this.__a[e])return;return n(v.event?v.event(t):t)}}}function $e(e,t,n,o,i,s,a,l,u,f){var c,d,m,r,p,y,h,$,b,A,w,_e,Ne,J,q,Pe,K,F,P=t.type;if(t.constructor!==j)return null;128&n.__u&&(u=32&n.__u,c=n.__c.__z)&&(t.__u|=u,d=s=[],c.nodeType==8?l=ne(c,s):s.push(c),l=s[0]||l),(c=v.__b)&&c(t);e:if(typeof P=="function"){m=a.length;try{if($=t.props,b=(c=P.prototype)&&c.render,A=(c=P.contextType)&&o[c.__c],w=c?A?A.props.value:c.__:o,(r=n.__c)?(t.__c=r,2&r.__g&&(r.__g|=1)):(b?t.__c=r=new P($,w):(t.__c=r=new te($,w),r.constructor=P,r.render=Ht),A&&A.sub(r),r.state||(r.state={}),r.__n=o,r.__g|=8,r.__h=[],r.__k=[]),b&&(r.__s||(r.__s=r.state),P.getDerivedStateFromProps&&(r.__s==r.state&&(r.__s=B({},r.__s)),B(r.__s,P.getDerivedStateFromProps($,r.__s)))),p=r.props,y=r.state,r.__v=t,n.__c){if($!==p&&b&&!P.getDerivedStateFromProps&&r.componentWillReceiveProps&&r.componentWillReceiveProps($,w),t.__v==n.__v&&!(8&r.__g)||!(4&r.__g)&&r.shouldComponentUpdate&&r.shouldComponentUpdate($,r.__s,w)===!1){t.__v!=n.__v&&(r.props=$,r.state=r.__s,r.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(L){L&&(L.__=t)}),ae.push.apply(r.__h,r.__k),r.__k=[],r.__h.length&&a.push(r),l=M(n);break e}r.componentWillUpdate&&r.componentWillUpdate($,r.__s,w),b&&r.componentDidUpdate&&r.__h.push(function(){r.componentDidUpdate(p,y,h)})}else b&&!P.getDerivedStateFromProps&&r.componentWillMount&&r.componentWillMount(),b&&r.componentDidMount&&r.__h.push(r.componentDidMount);r.context=w,r.props=$,r.__P=e,r.__g&=-5,_e=v.__r,Ne=b?25:0;do r.__g&=-9,_e&&_e(t),c=r.render(r.props,r.state=r.__s,r.context);while(8&r.__g&&++Ne<25);b&&(ae.push.apply(r.__h,r.__k),r.__k=[]),r.state=r.__s,r.getChildContext&&(o=B({},o,r.getChildContext())),b&&n.__c&&r.getSnapshotBeforeUpdate&&(h=r.getSnapshotBeforeUpdate(p,y)),J=c&&c.type===ie&&c.key==null?c.props.children:c,$.__P&&(c=l,i=(e=$.__P).namespaceURI,u=s=null,n.props&&n.props.__P!=e&&(n.__k.some(function(L){L&&ve(L,L)}),n.__k=null),l=n.__k?M(n,0):null),l=Be(e,ye(J)?J:[J],t,n,o,i,s,a,l,u,f),$.__P&&(t.__e=null,l=c),t.__u&=-161,d&&d.some(W),r.__h.length&&a.push(r),1&r.__g&&(r.__g&=-4)}catch(L){if(a.length=m,t.__v=null,u||s)if(L&&L.then){if(t.__u|=128|u,s){for(~(K=s.indexOf(l||void 0))||(K=s.length);(F=s[K-1])&&F.nodeType==8;)K--;for(;K<s.length;K++)if(F=s[K])if(s[K]=null,q){if(F==Pe)break}else{if(F.nodeType!=8)break;F.data.startsWith("$s")&&(Pe=ne(q=F))}}if(!q){for(;l&&l.nodeType==8&&l.nextSibling;)l=l.nextSibling;q=l}(c=ne(q=t.__c.__z||(t.__c.__z=q)))?(t.__e=q,l=c):t.__e=l,l=l&&l.nextSibling}else s&&s.some(W);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),L&&L.then||Ye(t),v.__e(L,t,n)}}else l=t.__e=Bt(n.__e,t,n,o,i,s,a,u,f,e);return(c=v.diffed)&&c(t),l}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function Ye(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(Ye))}function Ve(e,t,n){for(var o=0;o<n.length;)be(n[o++],n[o++],n[o++]);v.__c&&v.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(s){s.call(i)})}catch(s){v.__e(s,i.__v)}})}function Bt(e,t,n,o,i,s,a,l,u,f){var c,d,m,r,p,y,h,$,b=n.props||oe,A=t.props,w=t.type;if(w=="svg"?i="http://www.w3.org/2000/svg":w=="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),s){for(c=0;c<s.length;c++)if((p=s[c])&&(w?p.localName==w:p.nodeType==3)){e=p,s[c]=null;break}}if(!e){if($=f.ownerDocument||document,!w)return $.createTextNode(A);e=$.createElementNS(i,w,A.is?A:f),l&&(v.__m&&v.__m(t,s),l=!1),s=null}if(w){if(f=w=="template"&&e.content||e,s=w=="textarea"&&A.defaultValue!=null?null:s&&ge.call(f.childNodes),!l&&s)for(b={},c=0;c<e.attributes.length;c++)b[(p=e.attributes[c]).name]=p.value;for(c in b)p=b[c],c=="dangerouslySetInnerHTML"?m=p:c=="children"||c in A||c=="value"&&"defaultValue"in A||c=="checked"&&"defaultChecked"in A||Z(e,c,null,p,i);for(c in A)p=A[c],c=="children"?r=p:c=="dangerouslySetInnerHTML"?d=p:c=="value"?y=p:c=="checked"?h=p:l&&typeof p!="function"||b[c]===p||Z(e,c,p,b[c],i);d?(l||m&&(d.__html==m.__html||d.__html==e.innerHTML)||(e.innerHTML=d.__html),t.__k=[]):(m&&(e.textContent=""),(w=="foreignObject"||i=="http://www.w3.org/1998/Math/MathML"&&Ot.test(w))&&(i="http://www.w3.org/1999/xhtml"),Be(f,ye(r)?r:[r],t,n,o,i,s,a,s?s[0]:n.__k&&M(n,0),l,u),s&&s.some(W)),l&&w!="textarea"||(c="value",w=="progress"&&y==null?e.removeAttribute(c):y==null||y===e[c]&&(w!="progress"||y)||Z(e,c,y,b[c],i),c="checked",h!=null&&h!=e[c]&&Z(e,c,h,b[c],i))}else b===A||l&&e.data==A||(e.data=A);return e}function be(e,t,n,o){try{typeof e=="function"?t?t.__x=e(t)||1:o&&(o=o.__c||o.__e)&&(t=o.__x)&&(o.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(i){v.__e(i,n)}}function ve(e,t,n){var o,i,s,a;if(v.unmount&&v.unmount(e),!(o=e.ref)||o.current&&o.current!=e.__e||be(o,null,t,e),o=e.__c){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(l){v.__e(l,t)}o.__P=o.__n=null}if(o=e.__k)for(a=0;a<o.length;a++)o[a]&&ve(o[a],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(o=e.__c)&&(o=o.__z)&&(i=ne(o,s=[]))&&(o==e.__e&&s.some(W),W(i),W(o)),n||W(e.__e),e.__e=e.__c=e.__=null}function Ht(e,t,n){return this.constructor(e,n)}function Ge(e,t){var n,o,i,s;v.__&&v.__(e,t),t.nodeType==9&&(t=t.documentElement),o=(n=e&&32&e.__u)?null:t.__k,t.__k=G(ie,{children:[e]}),i=[],s=[],$e(t,t.__k,o||oe,oe,t.namespaceURI,o?null:t.firstChild?ge.call(t.childNodes):null,i,o?o.__e:t.firstChild,n,s),Ve(i,t.__k,s),t.__k.props.children=null}v={__e:function(e,t,n,o){for(var i,s,a;t=t.__;)if((i=t.__c)&&!(1&i.__g)){i.__g|=4;try{if((a=(s=i.constructor)&&s.getDerivedStateFromError)&&i.setState(s.getDerivedStateFromError(e)),i.componentDidCatch&&(i.componentDidCatch(e,o||{}),a=1),a&&8&i.__g)return void(i.__g|=2)}catch(l){e=l}}throw se=0,e}},Ke=0,Rt=function(e){return e!=null&&e.constructor===j},te.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=B({},this.state)),typeof e=="function"&&(e=e(B({},n),this.props)),e&&(B(n,e),this.__v&&(t&&this.__k.push(t),Te(this)))},te.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Te(this))},te.prototype.render=ie,O=[],se=0,Oe=function(e,t){return e.__v.__b-t.__v.__b},ee=Symbol(),Me=/(PointerCapture)$|Capture$/i,he=0,me={},Kt=0;var Y,k,we,je,Ae=Object.is,re=0,st=[],Ee=[],E=v,ze=E.__b,Qe=E.__r,Xe=E.diffed,Je=E.__c,Ze=E.unmount,et=E.__;function le(e,t){E.__h&&E.__h(k,e,re||t),re=0;var n=k.__H||(k.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function g(e){return re=1,Yt(at,e)}function Yt(e,t,n){var o=le(Y++,2);if(o.t=e,!o.__c&&(o.__=[n?n(t):at(void 0,t),function(s){var a=(o.__N||o.__)[0],l=o.t(a,s);Ae(a,l)||(o.__N=[l,o.__[1]],o.__c.setState({}))}],o.__c=k,!k.__f)){k.__f=!0;var i=k.shouldComponentUpdate;k.shouldComponentUpdate=function(s,a,l){var u=this.__H;if(!u)return!0;var f=!1,c=this.props!=s;if(u.__.some(function(m){m.__N&&(f=!0,Ae(m.__[0],m.__N[0])||(c=!0))}),i){var d=i.call(this,s,a,l);return f?d||c:d}return!f||c}}return o.__}function T(e,t){var n=le(Y++,3);!E.__s&&xe(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,k.__H.__h.push(n))}function ot(e,t){var n=le(Y++,4);!E.__s&&xe(n.__H,t)&&(n.__P=!1,n.__=e,n.u=t,k.__h.push(n))}function ce(e){return re=5,Vt(function(){return{current:e}},[])}function Vt(e,t){var n=le(Y++,7);return xe(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Gt(){var e;do{for(;e=Ee.shift();)try{z(e)}catch(n){E.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=st.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(z),t.__h.some(ke),t.__h=[]}catch(n){t.__h=[],E.__e(n,e.__v)}}}while(Ee.length)}E.__b=function(e){k=null,ze&&ze(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),et&&et(e,t)},E.__r=function(e){Qe&&Qe(e),Y=0;var t=(k=e.__c).__H;t&&(we==k?k.__h=[]:(t.__h.some(z),t.__h.some(ke),Y=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),we=k},E.diffed=function(e){Xe&&Xe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&nt(st.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),we=k=null},E.__c=function(e,t){t.some(function(n){try{n.__h.some(z),n.__h=n.__h.filter(function(o){return!o.__||ke(o)})}catch(o){n.__h=[function(){throw o}]}}),Je&&Je(e,t)},E.unmount=function(e){Ze&&Ze(e);var t,n,o=e.__c;o&&o.__H&&(o.__H.__.some(function(i){try{if(i.__P&&i.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}i.__P=n,nt(Ee.push(i))}else z(i)}catch(s){t=s}}),o.__H=void 0,t&&E.__e(t,o.__v))};var tt=typeof requestAnimationFrame=="function";function jt(e){var t,n=function(){clearTimeout(o),tt&&cancelAnimationFrame(t),setTimeout(e)},o=setTimeout(n,35);tt&&(t=requestAnimationFrame(n))}function nt(e){e!=1&&je==E.requestAnimationFrame||((je=E.requestAnimationFrame)||jt)(Gt)}function z(e){var t=k,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),k=t}function ke(e){var t=k;e.__c=e.__(),k=t}function xe(e,t){return!e||e.length!=t.length||t.some(function(n,o){return!Ae(n,e[o])})}function at(e,t){return typeof t=="function"?t(e):t}var Se="keyfob:app:session",H=null;try{H=sessionStorage.getItem(Se)}catch{H=null}var Q={sessionEnded:()=>{},unavailable:()=>{},reachable:()=>{}};function rt(e){Object.assign(Q,e)}function Ie(){return H!==null}function lt(e){H=e;try{sessionStorage.setItem(Se,e)}catch{}}function ue(){H=null;try{sessionStorage.removeItem(Se)}catch{}}var X=class extends Error{constructor(t,n,o={}){super(n),this.code=t,this.field=o.field||null,this.retryAfterSeconds=o.retryAfterSeconds||0,this.requestId=o.requestId||null,this.status=o.status||0}},zt={400:"BAD_REQUEST",401:"UNAUTHENTICATED",403:"FORBIDDEN",413:"PAYLOAD_TOO_LARGE",429:"RATE_LIMITED",503:"UNAVAILABLE"};async function x(e,t={}){let n=H,o={"Content-Type":"application/json",Accept:"application/json"};n&&(o.Authorization="Bearer "+n);let i;try{i=await fetch("/graphql",{method:"POST",headers:o,body:JSON.stringify({query:e,variables:t}),credentials:"omit",cache:"no-store"})}catch{let d=new X("UNAVAILABLE","Keyfob cannot be reached. Check the connection and try again.");throw Q.unavailable(d),d}let s=null;try{s=await i.json()}catch{s=null}let a=s&&Array.isArray(s.errors)?s.errors[0]:null;if(i.ok&&!a&&s&&s.data)return Q.reachable(),s.data;let l=a&&a.extensions||{},u=Number(l.retryAfterSeconds)||Number(i.headers.get("Retry-After"))||0,f=String(l.code||zt[i.status]||"INTERNAL"),c=new X(f,a&&typeof a.message=="string"?a.message:"",{field:typeof l.field=="string"?l.field:null,retryAfterSeconds:u,requestId:l.requestId||i.headers.get("X-Request-Id"),status:i.status});throw n&&(i.status===401||f==="UNAUTHENTICATED")&&n===H?(ue(),Q.sessionEnded()):(f==="UNAVAILABLE"||f==="OVERLOADED")&&Q.unavailable(c),c}function Ce(e){let t=String(e||"").trim();if(!t)return"";let n=t[0].toUpperCase()+t.slice(1);return/[.!?]$/.test(n)?n:n+"."}function it(e){if(!e)return"Wait a moment and try again.";let n=new Date(Date.now()+e*1e3).toLocaleTimeString(void 0,{hour:"2-digit",minute:"2-digit",second:"2-digit"});return`Try again in ${e} second${e===1?"":"s"}, at ${n}.`}function C(e){if(!(e instanceof X))return"Something went wrong in this page. Reload it and try again.";switch(e.code){case"RATE_LIMITED":return"Too many attempts. "+it(e.retryAfterSeconds);case"UNAVAILABLE":return e.message&&e.status===0?e.message:"Keyfob cannot reach its database right now. Nothing was changed. Try again in a moment.";case"OVERLOADED":return"Keyfob is too busy to answer right now. Nothing was changed. "+it(e.retryAfterSeconds);case"UNAUTHENTICATED":return e.status===401?"Your session has ended. Log in again.":Ce(e.message)||"Wrong email or password.";case"NOT_FOUND":return"That no longer exists: someone may have deleted it. The list has been refreshed.";case"FORBIDDEN":return"You may not do that. "+Ce(e.message);case"API_ACCESS_DISABLED":return"Your API access is turned off, so you cannot create keys. Ask the account owner to turn it on.";case"POWER_UP_REQUIRED":return"The API Key Restriction Power-Up is off, so everyone may create keys already.";case"INTERNAL":return"Something went wrong on the server"+(e.requestId?` (request id ${e.requestId})`:"")+". Try again.";default:return Ce(e.message)||"The request was refused ("+e.code+")."}}var De="id name email role apiAccess account { id name apiKeyRestriction }",ct=`mutation AppLogIn($in: LogInInput!) {
  logIn(input: $in) { token user { ${De} } }
}`,ut=`mutation AppSignUp($in: SignUpInput!) {
  signUp(input: $in) { token user { ${De} } }
}`,dt="mutation AppLogOut { logOut }",pt=`query AppViewer { viewer { ${De} } }`,Le=`query AppKeys($after: String) {
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
}`,_t=`mutation AppCreateKey($in: CreateApiKeyInput!) {
  createApiKey(input: $in) { secret apiKey { id name last4 } }
}`,ft=`mutation AppUpdateKey($in: UpdateApiKeyInput!) {
  updateApiKey(input: $in) { apiKey { id name note access } }
}`,mt=`mutation AppRollKey($in: RollApiKeyInput!) {
  rollApiKey(input: $in) { secret apiKey { id last4 status previousSecretExpiresAt } }
}`,ht=`mutation AppDeleteKey($in: DeleteApiKeyInput!) {
  deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions }
}`,yt=`query AppUsers {
  account { id apiKeyRestriction users { id name email role apiAccess apiKeyCount } }
}`,gt=`mutation AppSetAccess($in: SetUserApiAccessInput!) {
  setUserApiAccess(input: $in) { user { id apiAccess apiKeyCount } deletedApiKeys loggedOutMobileSessions }
}`,$t=`query AppAudit($after: String) {
  auditEvents(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action occurredAt actorEmail ip userAgent apiKeyName apiKeyLast4 detail
      targetUser { email }
    }
  }
}`,bt="query AppAccess { account { id apiKeyRestriction } viewer { id apiAccess } }";function I(e){return e?new Date(e).toLocaleString(void 0,{dateStyle:"medium",timeStyle:"short"}):""}function de(e){return e?new Date(e).toLocaleDateString(void 0,{dateStyle:"medium"}):""}function U(e,t,n){return`${e} ${e===1?t:n}`}var vt={FULL:"Full",READ_ONLY:"Read-only"},pe={OWNER:"Owner",ADMIN:"Admin",AGENT:"Agent"};function wt(e){let t=new Date,n=[];for(let o=e-1;o>=0;o--){let i=new Date(Date.UTC(t.getUTCFullYear(),t.getUTCMonth(),t.getUTCDate()-o));n.push(i.toISOString().slice(0,10))}return n}var At={SIGNED_UP:"Signed up",LOGGED_IN:"Logged in",LOGIN_FAILED:"Log-in failed",LOGGED_OUT:"Logged out",USER_CREATED:"User added",API_KEY_CREATED:"Key created",API_KEY_DELETED:"Key deleted",API_KEY_UPDATED:"Key changed",API_KEY_ROLLED:"Key rolled",API_KEY_LEAKED:"Key leaked",API_ACCESS_CHANGED:"API access changed",POWER_UP_CHANGED:"Power-Up switched",MOBILE_SESSIONS_LOGGED_OUT:"Mobile sessions logged out"},Et=[{seconds:0,label:"Now"},{seconds:3600,label:"In 1 hour"},{seconds:86400,label:"In 24 hours"},{seconds:604800,label:"In 7 days"}],kt=[{value:"never",label:"Never",days:null},{value:"30",label:"In 30 days",days:30},{value:"90",label:"In 90 days",days:90},{value:"365",label:"In 1 year",days:365},{value:"date",label:"On a date…",days:null}];function xt(e,t){if(e==="never")return null;if(e==="date"){let o=/^(\d{4})-(\d{2})-(\d{2})$/.exec(t||"");return o?new Date(Number(o[1]),Number(o[2])-1,Number(o[3])+1).toISOString():void 0}let n=Number(e);return new Date(Date.now()+n*86400*1e3).toISOString()}var St=function(e,t,n,o){var i;t[0]=0;for(var s=1;s<t.length;s++){var a=t[s++],l=t[s]?(t[0]|=a?1:2,n[t[s++]]):t[++s];a===3?o[0]=l:a===4?o[1]=Object.assign(o[1]||{},l):a===5?(o[1]=o[1]||{})[t[++s]]=l:a===6?o[1][t[++s]]+=l+"":a?(i=e.apply(l,St(e,l,n,["",null])),o.push(i),l[0]?t[0]|=2:(t[s-2]=0,t[s]=i)):o.push(l)}return o},Ct=new Map;function It(e){var t=Ct.get(this);return t||(t=new Map,Ct.set(this,t)),(t=St(this,t.get(e)||(t.set(e,t=(function(n){for(var o,i,s=1,a="",l="",u=[0],f=function(m){s===1&&(m||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,m,a):s===3&&(m||a)?(u.push(3,m,a),s=2):s===2&&a==="..."&&m?u.push(4,m,0):s===2&&a&&!m?u.push(5,0,!0,a):s>=5&&((a||!m&&s===5)&&(u.push(s,0,a,i),s=6),m&&(u.push(s,m,0,i),s=6)),a=""},c=0;c<n.length;c++){c&&(s===1&&f(),f(c));for(var d=0;d<n[c].length;d++)o=n[c][d],s===1?o==="<"?(f(),u=[u],s=3):a+=o:s===4?a==="--"&&o===">"?(s=1,a=""):a=o+a[0]:l?o===l?l="":a+=o:o==='"'||o==="'"?l=o:o===">"?(f(),s=1):s&&(o==="="?(s=5,i=a,a=""):o==="/"&&(s<5||n[c][d+1]===">")?(f(),s===3&&(u=u[0]),s=u,(u=u[0]).push(2,0,s),s=0):o===" "||o==="	"||o===`
`||o==="\r"?(f(),s=2):a+=o),s===3&&a==="!--"&&(s=4,u=u[0])}return f(),u})(e)),t),arguments,[])).length>1?t:t[0]}var _=It.bind(qe),Dt='a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';function R({id:e,title:t,onClose:n,children:o,wide:i}){let s=ce(null);T(()=>{let u=s.current,f=document.activeElement;u.open||u.showModal();let c=u.querySelector("[data-autofocus]")||u.querySelector(Dt);return c&&c.focus(),()=>{f&&f.isConnected&&typeof f.focus=="function"&&f.focus()}},[]);let a=u=>{if(u.key!=="Tab")return;let f=[...s.current.querySelectorAll(Dt)].filter(m=>m.offsetParent!==null);if(f.length===0)return;let c=f[0],d=f[f.length-1];u.shiftKey&&(document.activeElement===c||!s.current.contains(document.activeElement))?(u.preventDefault(),d.focus()):!u.shiftKey&&(document.activeElement===d||!s.current.contains(document.activeElement))&&(u.preventDefault(),c.focus())},l=u=>{u.preventDefault(),n()};return _`<dialog id=${e} ref=${s} class=${"dialog"+(i?" wide":"")} aria-labelledby=${e+"-title"}
    onKeyDown=${a} onCancel=${l}>
    <h2 id=${e+"-title"}>${t}</h2>
    ${o}
  </dialog>`}function S({id:e,label:t,hint:n,error:o,children:i}){return _`<div class=${"field"+(o?" invalid":"")}>
    <label for=${e}>${t}</label>
    ${i}
    ${n&&_`<p class="hint" id=${e+"-hint"}>${n}</p>`}
    ${o&&_`<p class="error" id=${e+"-error"} role="alert">${o}</p>`}
  </div>`}function D(e,t,n){let o=[];return t&&o.push(e+"-hint"),n&&o.push(e+"-error"),o.length?o.join(" "):void 0}function V(e,t){return e&&e.code==="BAD_USER_INPUT"&&e.field&&t[e.field]?{fields:{[t[e.field]]:C(e)},form:null}:{fields:{},form:C(e)}}function N({id:e,message:t}){return t?_`<p class="error form-error" id=${e} role="alert">${t}</p>`:null}function Lt({counts:e,label:t}){let n=Math.max(1,...e),o=64,i=24,s=o/e.length;return _`<svg class="sparkline" role="img" aria-label=${t} viewBox=${`0 0 ${o} ${i}`} width=${o} height=${i}>
    <line class="baseline" x1="0" y1=${i-.5} x2=${o} y2=${i-.5} />
    ${e.map((a,l)=>{let u=a===0?0:Math.max(2,Math.round(a/n*(i-2)));return _`<rect x=${(l*s).toFixed(2)} y=${i-u} width=${Math.max(1,s-.6).toFixed(2)} height=${u} />`})}
  </svg>`}function Ue({id:e,secret:t,copied:n,onCopy:o}){let i=async()=>{let s=document.getElementById(e),a=!1;try{await navigator.clipboard.writeText(t),a=!0}catch{s.select(),a=document.execCommand("copy")}o(a)};return _`<div class="show-once">
    <p class="warning" id=${e+"-warning"}><strong>Copy this key now.</strong> It will not be shown again: Keyfob keeps only a hash of it.
      If you lose it, roll the key or create a new one.</p>
    <label for=${e}>Your new API key</label>
    <div class="secret-row">
      <input id=${e} class="secret" type="text" readonly value=${t} aria-describedby=${e+"-warning"}
        spellcheck="false" autocomplete="off" data-autofocus onFocus=${s=>s.target.select()} />
      <button type="button" id=${e+"-copy"} onClick=${i}>Copy</button>
    </div>
    <p class="copy-status" role="status">${n===!0?"Copied to the clipboard.":n===!1?"Copying failed: select the key and copy it yourself.":""}</p>
  </div>`}var Xt={email:"email",password:"password"},Jt={accountName:"account",name:"name",email:"email",password:"password"};function Ut({message:e,onSignedIn:t}){let[n,o]=g("login");return _`<main class="auth" id="main">
    <h1>Keyfob API keys</h1>
    ${e&&_`<p class="notice" id="auth-message" role="status">${e}</p>`}
    ${n==="login"?_`<${Zt} onSignedIn=${t} />
          <p class="switch-mode">New to Keyfob? <button type="button" class="link" id="show-signup" onClick=${()=>o("signup")}>Create an account</button></p>`:_`<${en} onSignedIn=${t} />
          <p class="switch-mode">Have an account? <button type="button" class="link" id="show-login" onClick=${()=>o("login")}>Log in</button></p>`}
  </main>`}function Zt({onSignedIn:e}){let[t,n]=g(""),[o,i]=g(""),[s,a]=g(!1),[l,u]=g({fields:{},form:null}),f=async d=>{d.preventDefault();let m=o;i(""),d.target.querySelector("#login-password").value="",a(!0),u({fields:{},form:null});try{let r=await x(ct,{in:{email:t,password:m,client:"WEB"}});e(r.logIn.token,r.logIn.user)}catch(r){u(V(r,Xt)),a(!1)}},c=l.fields;return _`<form class="card" id="login-form" onSubmit=${f} aria-labelledby="login-title" novalidate>
    <h2 id="login-title">Log in</h2>
    <${S} id="login-email" label="Email" error=${c.email}>
      <input id="login-email" type="email" autocomplete="username" required value=${t}
        aria-invalid=${c.email?"true":void 0} aria-describedby=${D("login-email",null,c.email)}
        onInput=${d=>n(d.target.value)} />
    <//>
    <${S} id="login-password" label="Password" error=${c.password}>
      <input id="login-password" type="password" autocomplete="current-password" required value=${o}
        aria-invalid=${c.password?"true":void 0} aria-describedby=${D("login-password",null,c.password)}
        onInput=${d=>i(d.target.value)} />
    <//>
    <${N} id="login-error" message=${l.form} />
    <div class="actions"><button type="submit" class="primary" id="login-submit" disabled=${s}>${s?"Logging in…":"Log in"}</button></div>
  </form>`}function en({onSignedIn:e}){let[t,n]=g({accountName:"",name:"",email:""}),[o,i]=g(""),[s,a]=g(!1),[l,u]=g({fields:{},form:null}),f=r=>p=>n({...t,[r]:p.target.value}),c=async r=>{r.preventDefault();let p=o;i(""),r.target.querySelector("#signup-password").value="",a(!0),u({fields:{},form:null});try{let y=await x(ut,{in:{...t,password:p}});e(y.signUp.token,y.signUp.user)}catch(y){u(V(y,Jt)),a(!1)}},d=l.fields,m=(r,p,y,h)=>_`<input id=${r} type=${y} autocomplete=${h} required
    value=${t[p]} aria-invalid=${d[r.slice(7)]?"true":void 0}
    aria-describedby=${D(r,null,d[r.slice(7)])} onInput=${f(p)} />`;return _`<form class="card" id="signup-form" onSubmit=${c} aria-labelledby="signup-title" novalidate>
    <h2 id="signup-title">Create an account</h2>
    <${S} id="signup-account" label="Company or account name" error=${d.account}>${m("signup-account","accountName","text","organization")}<//>
    <${S} id="signup-name" label="Your name" error=${d.name}>${m("signup-name","name","text","name")}<//>
    <${S} id="signup-email" label="Email" error=${d.email}>${m("signup-email","email","email","username")}<//>
    <${S} id="signup-password" label="Password" hint="8 to 256 characters." error=${d.password}>
      <input id="signup-password" type="password" autocomplete="new-password" required value=${o}
        aria-invalid=${d.password?"true":void 0} aria-describedby=${D("signup-password",!0,d.password)}
        onInput=${r=>i(r.target.value)} />
    <//>
    <${N} id="signup-error" message=${l.form} />
    <div class="actions"><button type="submit" class="primary" id="signup-submit" disabled=${s}>${s?"Creating…":"Create account"}</button></div>
  </form>`}function Nt({viewer:e,notify:t}){let n=e.role==="OWNER"||e.role==="ADMIN",[o,i]=g([]),[s,a]=g({total:0,hasNext:!1,cursor:null}),[l,u]=g(!0),[f,c]=g(null),[d,m]=g(null),r=async()=>{u(!0);try{let $=(await x(Le,{after:null})).apiKeys;i($.nodes),a({total:$.totalCount,hasNext:$.pageInfo.hasNextPage,cursor:$.pageInfo.endCursor}),c(null)}catch(h){c(C(h))}u(!1)},p=async()=>{u(!0);try{let $=(await x(Le,{after:s.cursor})).apiKeys;i(b=>[...b,...$.nodes.filter(A=>!b.some(w=>w.id===A.id))]),a({total:$.totalCount,hasNext:$.pageInfo.hasNextPage,cursor:$.pageInfo.endCursor}),c(null)}catch(h){c(C(h))}u(!1)};T(()=>{r()},[]);let y=h=>{m(null),h&&r()};return _`<section aria-labelledby="keys-title" id="keys-screen" aria-busy=${l?"true":"false"}>
    <div class="heading-row">
      <h2 id="keys-title">API keys</h2>
      <div class="heading-actions">
        <button type="button" id="refresh-keys" onClick=${r} disabled=${l}>Refresh</button>
        <button type="button" class="primary" id="create-key" onClick=${()=>m({kind:"create"})}>Create API Key</button>
      </div>
    </div>
    <p class="lede">${(n?"Every key of the account, newest first. ":"Your keys, newest first. ")+"Each integration should have a key of its own. Hover over or focus a key's name to see which integrations used it."}</p>
    ${f&&_`<p class="error" role="alert" id="keys-error">${f}</p>`}
    <p class="count" id="keys-count" aria-live="polite">${l&&o.length===0?"Loading keys…":s.total===0?"No API keys yet. Create one for your first integration.":`Showing ${o.length} of ${U(s.total,"key","keys")}.`}</p>
    ${o.length>0&&_`<${nn} keys=${o} manager=${n} onAction=${(h,$)=>m({kind:h,key:$})} />`}
    ${s.hasNext&&_`<div class="more"><button type="button" id="load-more" onClick=${p} disabled=${l}>Load more</button></div>`}
    ${d&&d.kind==="create"&&_`<${ln} onClose=${y} />`}
    ${d&&d.kind==="edit"&&_`<${un} apiKey=${d.key} onClose=${y} onGone=${()=>y(!0)} />`}
    ${d&&d.kind==="roll"&&_`<${dn} apiKey=${d.key} onClose=${y} />`}
    ${d&&d.kind==="delete"&&_`<${pn} apiKey=${d.key} notify=${t} onClose=${y} />`}
  </section>`}var tn={ACTIVE:"Active",EXPIRED:"Expired",LEAKED:"Leaked"};function nn({keys:e,manager:t,onAction:n}){let[o,i]=g(null);return _`<div class="table-wrap" role="region" aria-labelledby="keys-title" tabindex="0">
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
        <th scope="col">Last 30 days</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${e.map(s=>_`<${sn} key=${s.id} k=${s} manager=${t} onAction=${n}
          cardOpen=${o===s.id} setCard=${i} />`)}
      </tbody>
    </table>
  </div>`}function sn({k:e,manager:t,onAction:n,cardOpen:o,setCard:i}){let s=e.dailyUsage.map(r=>r.requestCount),a=s.reduce((r,p)=>r+p,0),l=wt(s.length),u=s.indexOf(Math.max(...s)),f=a===0?"No requests in the last 30 days":`${U(a,"request","requests")} in the last 30 days, most on ${l[u]} (${s[u]})`,c="card-"+e.id,d=()=>i(e.id),m=()=>i(r=>r===e.id?null:r);return _`<tr data-key-id=${e.id} class=${"status-"+e.status.toLowerCase()}>
    <td class="name-cell" onMouseEnter=${d} onMouseLeave=${m}>
      <button type="button" class="key-name" id=${"name-"+e.id} aria-describedby=${o?c:void 0} aria-expanded=${o?"true":"false"}
        onFocus=${d} onBlur=${m} onClick=${()=>o?m():d()}
        onKeyDown=${r=>{r.key==="Escape"&&o&&(r.stopPropagation(),m())}}>
        ${e.name}${e.isDefault&&_` <span class="tag">Default</span>`}
      </button>
      ${e.note&&_`<div class="note">${e.note}</div>`}
      ${o&&_`<${an} id=${c} anchorId=${"name-"+e.id} k=${e} />`}
    </td>
    <td><code class="last4">…${e.last4}</code></td>
    ${t&&_`<td class="owner"><span>${e.owner.name}</span><br /><span class="muted email">${e.owner.email}</span></td>`}
    <td class="created"><time datetime=${e.createdAt} title=${I(e.createdAt)}>${de(e.createdAt)}</time></td>
    <td class="last-used">${e.lastUsedAt?_`<time datetime=${e.lastUsedAt}>${I(e.lastUsedAt)}</time>`:"Never"}</td>
    <td class="expires">${e.expiresAt?_`<time datetime=${e.expiresAt} title=${I(e.expiresAt)}>${de(e.expiresAt)}</time>`:"Never"}</td>
    <td class="access">${vt[e.access]}</td>
    <td class="status"><${on} k=${e} /></td>
    <td class="usage"><${Lt} counts=${s} label=${f} /></td>
    <td class="row-actions">
      <button type="button" data-action="edit" aria-label=${"Edit "+e.name} onClick=${()=>n("edit",e)}>Edit</button>
      ${e.status!=="EXPIRED"&&_`<button type="button" data-action="roll" aria-label=${"Roll "+e.name} onClick=${()=>n("roll",e)}>Roll</button>`}
      <button type="button" class="danger" data-action="delete" aria-label=${"Delete "+e.name} onClick=${()=>n("delete",e)}>Delete</button>
    </td>
  </tr>`}function on({k:e}){return _`<span class=${"badge "+e.status.toLowerCase()}>${tn[e.status]||e.status}</span>
    ${e.status==="LEAKED"&&e.leak&&_`<div class="status-detail">Found in public (${e.leak.source}), ${de(e.leak.reportedAt)}. Roll it for a new secret.</div>`}
    ${e.status==="EXPIRED"&&_`<div class="status-detail">Since ${I(e.expiresAt)}. Create a new key instead.</div>`}
    ${e.previousSecretExpiresAt&&_`<div class="status-detail previous">Previous secret works until ${I(e.previousSecretExpiresAt)};
      ${e.previousSecretLastUsedAt?" last used "+I(e.previousSecretLastUsedAt):" not used since the roll"}.</div>`}`}function an({id:e,anchorId:t,k:n}){let o=n.usageByIntegration,i=ce(null);return ot(()=>{let s=()=>{let a=document.getElementById(t),l=i.current;if(!a||!l)return;let u=a.getBoundingClientRect(),f=l.offsetWidth,c=l.offsetHeight,d=u.bottom+6+c<=window.innerHeight||u.top-6-c<0;l.style.left=Math.max(8,Math.min(u.left,window.innerWidth-f-8))+"px",l.style.top=(d?u.bottom+6:u.top-6-c)+"px"};return s(),window.addEventListener("scroll",s,!0),window.addEventListener("resize",s),()=>{window.removeEventListener("scroll",s,!0),window.removeEventListener("resize",s)}},[t]),_`<div class="hover-card" id=${e} role="tooltip" ref=${i}>
    <p class="card-title">Integrations using ${n.name}</p>
    ${o.length===0?_`<p>No integration has used this key yet.</p>`:_`<table class="integrations">
          <thead><tr><th scope="col">Integration</th><th scope="col">First used</th><th scope="col">Last used</th><th scope="col">Requests</th></tr></thead>
          <tbody>${o.map(s=>_`<tr>
            <td>${s.integration}</td><td>${I(s.firstUsedAt)}</td><td>${I(s.lastUsedAt)}</td><td class="num">${s.requestCount}</td>
          </tr>`)}</tbody>
        </table>`}
  </div>`}var rn={name:"name",note:"note",expiresAt:"expiry",access:"access"};function ln({onClose:e}){let[t,n]=g({name:"",note:"",expiry:"never",date:"",access:"FULL"}),[o,i]=g(!1),[s,a]=g({fields:{},form:null}),[l,u]=g(null),[f,c]=g(null),d=h=>$=>n({...t,[h]:$.target.value}),m=async h=>{h.preventDefault();let $=xt(t.expiry,t.date);if($===void 0){a({fields:{expiry:"Choose the date the key stops working."},form:null});return}i(!0),a({fields:{},form:null});try{let b={name:t.name,access:t.access,expiresAt:$};t.note.trim()&&(b.note=t.note);let A=await x(_t,{in:b});u({secret:A.createApiKey.secret,name:A.createApiKey.apiKey.name})}catch(b){a(V(b,rn))}i(!1)},r=()=>e(l!==null);if(l)return _`<${R} id="create-dialog" title=${`"${l.name}" is ready`} onClose=${r}>
      <${Ue} id="new-secret" secret=${l.secret} copied=${f} onCopy=${c} />
      <div class="actions"><button type="button" class="primary" id="secret-done" onClick=${r}>I have copied it: close</button></div>
    <//>`;let p=s.fields,y=new Date().toISOString().slice(0,10);return _`<${R} id="create-dialog" title="Create API Key" onClose=${()=>e(!1)}>
    <form onSubmit=${m} novalidate>
      <${S} id="key-name" label="Name" hint="The integration it is for, such as Zapier or Website lead form." error=${p.name}>
        <input id="key-name" type="text" required maxlength="100" value=${t.name} data-autofocus autocomplete="off"
          aria-invalid=${p.name?"true":void 0} aria-describedby=${D("key-name",!0,p.name)} onInput=${d("name")} />
      <//>
      <${S} id="key-note" label="Note (optional)" hint="What the key is for, for whoever reads this list later." error=${p.note}>
        <textarea id="key-note" rows="2" maxlength="500" value=${t.note}
          aria-invalid=${p.note?"true":void 0} aria-describedby=${D("key-note",!0,p.note)} onInput=${d("note")}></textarea>
      <//>
      <${S} id="key-expiry" label="Expires" error=${p.expiry}>
        <select id="key-expiry" value=${t.expiry} onChange=${d("expiry")}
          aria-invalid=${p.expiry?"true":void 0} aria-describedby=${D("key-expiry",null,p.expiry)}>
          ${kt.map(h=>_`<option value=${h.value}>${h.label}</option>`)}
        </select>
      <//>
      ${t.expiry==="date"&&_`<${S} id="key-expiry-date" label="Works until the end of" hint="In your time zone. An expiry cannot be changed later.">
        <input id="key-expiry-date" type="date" min=${y} value=${t.date} onInput=${d("date")}
          aria-describedby=${D("key-expiry-date",!0,null)} />
      <//>`}
      <fieldset class=${"field"+(p.access?" invalid":"")}>
        <legend>Access</legend>
        <label class="choice"><input type="radio" name="access" id="access-full" value="FULL" checked=${t.access==="FULL"} onChange=${d("access")} />
          Full: whatever you may do</label>
        <label class="choice"><input type="radio" name="access" id="access-read" value="READ_ONLY" checked=${t.access==="READ_ONLY"} onChange=${d("access")} />
          Read-only</label>
        ${p.access&&_`<p class="error" role="alert">${p.access}</p>`}
      </fieldset>
      <${N} id="create-error" message=${s.form} />
      <div class="actions">
        <button type="button" onClick=${()=>e(!1)}>Cancel</button>
        <button type="submit" class="primary" id="create-submit" disabled=${o}>${o?"Creating…":"Create key"}</button>
      </div>
    </form>
  <//>`}var cn={name:"name",note:"note",access:"access"};function un({apiKey:e,onClose:t,onGone:n}){let[o,i]=g({name:e.name,note:e.note||"",access:e.access}),[s,a]=g(!1),[l,u]=g({fields:{},form:null}),f=m=>r=>i({...o,[m]:r.target.value}),c=async m=>{m.preventDefault(),a(!0),u({fields:{},form:null});try{await x(ft,{in:{id:e.id,name:o.name,note:o.note,access:o.access}}),t(!0)}catch(r){if(r.code==="NOT_FOUND")return n();u(V(r,cn)),a(!1)}},d=l.fields;return _`<${R} id="edit-dialog" title=${`Edit "${e.name}"`} onClose=${()=>t(!1)}>
    <form onSubmit=${c} novalidate>
      <${S} id="edit-name" label="Name" error=${d.name}>
        <input id="edit-name" type="text" required maxlength="100" value=${o.name} data-autofocus autocomplete="off"
          aria-invalid=${d.name?"true":void 0} aria-describedby=${D("edit-name",null,d.name)} onInput=${f("name")} />
      <//>
      <${S} id="edit-note" label="Note (optional)" error=${d.note}>
        <textarea id="edit-note" rows="2" maxlength="500" value=${o.note}
          aria-invalid=${d.note?"true":void 0} aria-describedby=${D("edit-note",null,d.note)} onInput=${f("note")}></textarea>
      <//>
      <${S} id="edit-access" label="Access" hint="A new access holds from the key's next request." error=${d.access}>
        <select id="edit-access" value=${o.access} onChange=${f("access")} aria-describedby=${D("edit-access",!0,d.access)}>
          <option value="FULL">Full</option>
          <option value="READ_ONLY">Read-only</option>
        </select>
      <//>
      <p class="hint">The secret, owner, expiry and usage stay as they are.</p>
      <${N} id="edit-error" message=${l.form} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="edit-submit" disabled=${s}>${s?"Saving…":"Save"}</button>
      </div>
    </form>
  <//>`}function dn({apiKey:e,onClose:t}){let n=e.status==="LEAKED",[o,i]=g(n?0:3600),[s,a]=g(!1),[l,u]=g(null),[f,c]=g(null),[d,m]=g(null),r=async y=>{y.preventDefault(),a(!0),u(null);try{let h=await x(mt,{in:{id:e.id,gracePeriodSeconds:o}});c({secret:h.rollApiKey.secret,previousUntil:h.rollApiKey.apiKey.previousSecretExpiresAt})}catch(h){u(C(h))}a(!1)},p=()=>t(f!==null);return f?_`<${R} id="roll-dialog" title=${`"${e.name}" has a new secret`} onClose=${p}>
      <${Ue} id="rolled-secret" secret=${f.secret} copied=${d} onCopy=${m} />
      <p id="roll-result">${f.previousUntil?_`The previous secret keeps working until <strong>${I(f.previousUntil)}</strong>, then stops.`:_`The previous secret <strong>stopped working now</strong>.`}
        ${" "}${e.lastUsedAt?`It was last used ${I(e.lastUsedAt)}.`:"It was never used."}
        ${f.previousUntil&&" The list shows whether anything still uses it."}</p>
      <div class="actions"><button type="button" class="primary" id="roll-done" onClick=${p}>I have copied it: close</button></div>
    <//>`:_`<${R} id="roll-dialog" title=${`Roll "${e.name}"`} onClose=${()=>t(!1)}>
    <form onSubmit=${r} novalidate>
      <p>Rolling gives the key a new secret. Its name, note, access, owner, expiry and usage stay.
        The previous secret was last used: ${e.lastUsedAt?I(e.lastUsedAt):"never"}.</p>
      ${n?_`<p class="warning" id="roll-leaked">This key's secret leaked, so it stops at once: there is no grace period for a leaked secret.</p>`:_`<fieldset class="field">
            <legend>The previous secret stops working</legend>
            ${Et.map(y=>_`<label class="choice">
              <input type="radio" name="grace" value=${y.seconds} id=${"grace-"+y.seconds} checked=${o===y.seconds}
                onChange=${()=>i(y.seconds)} /> ${y.label}</label>`)}
          </fieldset>`}
      <${N} id="roll-error" message=${l} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="roll-submit" disabled=${s}>${s?"Rolling…":"Roll key"}</button>
      </div>
    </form>
  <//>`}function pn({apiKey:e,notify:t,onClose:n}){let[o,i]=g(!1),[s,a]=g(null),l=e.activeMobileSessions,u=async f=>{f.preventDefault(),i(!0),a(null);try{let d=(await x(ht,{in:{id:e.id}})).deleteApiKey.loggedOutMobileSessions;t(`Deleted "${e.name}".`+(e.isDefault||d>0?` It logged out ${U(d,"mobile app session","mobile app sessions")}.`:"")),n(!0)}catch(c){if(c.code==="NOT_FOUND"){t(`"${e.name}" was already deleted.`),n(!0);return}a(C(c)),i(!1)}};return _`<${R} id="delete-dialog" title=${`Delete "${e.name}"?`} onClose=${()=>n(!1)}>
    <form onSubmit=${u}>
      <p id="delete-warning">Integrations using this key (…${e.last4}) stop working at once. This cannot be undone.
        ${e.isDefault&&_` <strong>This is ${e.owner.name}'s Default API Key: the mobile apps' sessions are tied to it, so deleting it logs
        ${" "}${e.owner.name} out of the mobile apps (${U(l,"active session","active sessions")}).</strong>`}</p>
      <${N} id="delete-error" message=${s} />
      <div class="actions">
        <button type="button" onClick=${()=>n(!1)} data-autofocus>Cancel</button>
        <button type="submit" class="danger" id="delete-confirm" disabled=${o}>${o?"Deleting…":"Delete key"}</button>
      </div>
    </form>
  <//>`}function Pt({viewer:e,notify:t}){let[n,o]=g(null),[i,s]=g(null),[a,l]=g(null),[u,f]=g(null),c=e.role==="OWNER"||e.role==="ADMIN",d=async()=>{try{if(c)o((await x(yt)).account);else{let p=await x(bt);o({...p.account,users:null,viewerAccess:p.viewer.apiAccess})}s(null)}catch(p){s(C(p))}};T(()=>{d()},[]);let m=async(p,y)=>{f(p.id);try{let $=(await x(gt,{in:{userId:p.id,enabled:y}})).setUserApiAccess;t(y?`${p.name} may create API keys again.`:`${p.name} may no longer create API keys. Deleted ${U($.deletedApiKeys,"key","keys")}`+($.loggedOutMobileSessions?` and logged out ${U($.loggedOutMobileSessions,"mobile app session","mobile app sessions")}.`:".")),s(null)}catch(h){s(C(h))}f(null),l(null),d()};if(!n)return _`<section aria-labelledby="access-title" id="access-screen"><h2 id="access-title">Who may create keys</h2>
      ${i?_`<p class="error" role="alert">${i}</p>`:_`<p>Loading…</p>`}</section>`;let r=e.role==="OWNER";return _`<section aria-labelledby="access-title" id="access-screen">
    <h2 id="access-title">Who may create keys</h2>
    ${i&&_`<p class="error" role="alert" id="access-error">${i}</p>`}
    ${n.apiKeyRestriction?_`<p class="notice" id="access-line">The API Key Restriction Power-Up is on: the account owner decides who may create API keys.
          ${r?" Turning a user's access off deletes their keys.":""}</p>`:_`<p class="notice" id="access-line">Everyone in the account may create API keys: the API Key Restriction Power-Up is off.
          With it, the account owner decides who may.</p>`}
    ${!c&&_`<p id="own-access">${n.viewerAccess?"You may create API keys.":"You may not create API keys: ask the account owner."}</p>`}
    ${c&&n.users&&_`<div class="table-wrap" role="region" aria-labelledby="access-title" tabindex="0">
      <table id="users-table">
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Keys</th><th scope="col">API access</th></tr></thead>
        <tbody>${n.users.map(p=>_`<tr data-user-id=${p.id}>
          <td>${p.name}<br /><span class="muted">${p.email}</span></td>
          <td>${pe[p.role]}</td>
          <td class="num">${p.apiKeyCount}</td>
          <td>${p.role==="OWNER"?"Always":r&&n.apiKeyRestriction?_`<button type="button" role="switch" class="switch" aria-checked=${p.apiAccess?"true":"false"}
                  data-user-id=${p.id} aria-label=${"API access for "+p.name} disabled=${u===p.id}
                  onClick=${()=>p.apiAccess?l(p):m(p,!0)}>
                  <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
                  <span class="switch-text">${p.apiAccess?"On":"Off"}</span>
                </button>`:p.apiAccess?"Yes":"No"}</td>
        </tr>`)}</tbody>
      </table>
    </div>`}
    ${a&&_`<${R} id="access-dialog" title=${`Turn off API access for ${a.name}?`} onClose=${()=>l(null)}>
      <p id="access-warning">${a.name} will no longer be able to create API keys, and
        <strong> this deletes ${a.apiKeyCount===1?"their 1 key":`their ${a.apiKeyCount} keys`}</strong>${a.apiKeyCount>0?": integrations using them stop working at once":""}.</p>
      <${N} id="access-dialog-error" message=${null} />
      <div class="actions">
        <button type="button" onClick=${()=>l(null)} data-autofocus>Cancel</button>
        <button type="button" class="danger" id="access-confirm" disabled=${u!==null} onClick=${()=>m(a,!1)}>
          Turn off and delete ${U(a.apiKeyCount,"key","keys")}</button>
      </div>
    <//>`}
  </section>`}function Tt(){let[e,t]=g([null]),[n,o]=g(null),[i,s]=g(null),[a,l]=g(!1),u=e[e.length-1];T(()=>{let c=!0;return l(!0),x($t,{after:u}).then(d=>{c&&(o(d.auditEvents),s(null))}).catch(d=>c&&s(C(d))).finally(()=>c&&l(!1)),()=>{c=!1}},[u]);let f=e.length;return _`<section aria-labelledby="audit-title" id="audit-screen">
    <h2 id="audit-title">Audit log</h2>
    <p class="lede">Who did what to the account's keys and users, newest first.</p>
    ${i&&_`<p class="error" role="alert" id="audit-error">${i}</p>`}
    ${n&&_`<p class="count" id="audit-count" aria-live="polite">Page ${f} of ${Math.max(1,Math.ceil(n.totalCount/20))}, ${U(n.totalCount,"event","events")} in all.</p>
      <div class="table-wrap" role="region" aria-labelledby="audit-title" tabindex="0">
        <table id="audit-table">
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Key</th><th scope="col">User</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead>
          <tbody>${n.nodes.map(c=>_`<tr>
            <td><time datetime=${c.occurredAt}>${I(c.occurredAt)}</time></td>
            <td>${At[c.action]||c.action}</td>
            <td>${c.actorEmail||_`<span class="muted">nobody signed in</span>`}</td>
            <td>${c.apiKeyName?`${c.apiKeyName} (…${c.apiKeyLast4})`:""}</td>
            <td>${c.targetUser?c.targetUser.email:""}</td>
            <td>${c.detail||""}</td>
            <td>${c.ip||""}${c.userAgent&&_`<br /><span class="muted ua">${c.userAgent}</span>`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`}
    <div class="pager">
      <button type="button" id="audit-newer" disabled=${f===1||a} onClick=${()=>t(e.slice(0,-1))}>Newer events</button>
      <button type="button" id="audit-older" disabled=${!n||!n.pageInfo.hasNextPage||a}
        onClick=${()=>t([...e,n.pageInfo.endCursor])}>Older events</button>
    </div>
  </section>`}var _n="Your session has ended: it expired, or you logged out elsewhere. Log in again.";function fn(){let[e,t]=g(Ie()?void 0:null),[n,o]=g(null),[i,s]=g(null),[a,l]=g(null),[u,f]=g("keys");T(()=>{rt({sessionEnded:()=>{t(null),l(null),o(_n)},unavailable:y=>s(C(y)),reachable:()=>s(null)}),Ie()&&x(pt).then(y=>t(y.viewer),y=>{y.code!=="UNAUTHENTICATED"&&o(C(y)),ue(),t(null)})},[]);let c=(y,h)=>{lt(y),o(null),f("keys"),t(h)},d=async()=>{try{await x(dt)}catch{}ue(),t(null),l(null),o("You have logged out.")},m=i&&_`<div class="banner" id="banner" role="alert">
    <span>${i}</span> <button type="button" class="link" onClick=${()=>s(null)}>Dismiss</button></div>`;if(e===void 0)return _`${m}<main id="main" class="auth"><h1>Keyfob API keys</h1><p role="status">Checking your session…</p></main>`;if(e===null)return _`${m}<${Ut} message=${n} onSignedIn=${c} />`;let r=e.role==="OWNER"||e.role==="ADMIN",p=[["keys","API keys"],["access","Who may create keys"],...r?[["audit","Audit log"]]:[]];return _`<header class="topbar">
      <div class="brand">Keyfob <span class="muted">· ${e.account.name}</span></div>
      <nav aria-label="Screens">
        ${p.map(([y,h])=>_`<button type="button" id=${"nav-"+y} class="tab" aria-current=${u===y?"page":void 0}
          onClick=${()=>{l(null),f(y)}}>${h}</button>`)}
      </nav>
      <div class="who"><span id="who">${e.email} (${pe[e.role]})</span>
        <button type="button" id="logout" onClick=${d}>Log out</button></div>
    </header>
    ${m}
    <main id="main">
      <h1 class="visually-hidden">Keyfob API keys</h1>
      <p class="notice" id="notice" role="status">${a||""}</p>
      ${u==="keys"&&_`<${Nt} viewer=${e} notify=${l} />`}
      ${u==="access"&&_`<${Pt} viewer=${e} notify=${l} />`}
      ${u==="audit"&&r&&_`<${Tt} />`}
    </main>`}Ge(_`<${fn} />`,document.getElementById("app"));})();
